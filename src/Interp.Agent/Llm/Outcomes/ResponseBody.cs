// A response body as the client received or stored it: its UTF-8 bytes, with the text decoded only when something asks
// for it. A chat answer with top_logprobs is megabytes; the parsers, the accounting scan and the response cache read the
// bytes, so a successful call never builds the (twice as large) string unless a caller reads Raw or Body.
using System.Text;

namespace Interp.Agent.Llm.Outcomes;

public sealed class ResponseBody
{
    private string? _text;

    private ResponseBody(ReadOnlyMemory<byte> utf8, string? text) { Utf8 = utf8; _text = text; }

    /// <summary>The body as UTF-8 (no byte-order mark).</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>The body as text, decoded on first use and kept.</summary>
    public string Text => _text ??= Encoding.UTF8.GetString(Utf8.Span);

    public int Length => Utf8.Length;

    /// <summary>Wraps UTF-8 bytes (a leading UTF-8 byte-order mark is dropped, as a text decoder would).</summary>
    public static ResponseBody FromUtf8(ReadOnlyMemory<byte> utf8) =>
        new(utf8.Span.StartsWith(Encoding.UTF8.Preamble) ? utf8[Encoding.UTF8.Preamble.Length..] : utf8, null);

    public static ResponseBody FromText(string text) => new(Encoding.UTF8.GetBytes(text), text);

    public override string ToString() => Text;
}
