// A chat completion read in one forward pass over its UTF-8 bytes (Utf8JsonReader, no document): the message, the
// finish reason, the model, the usage and the per-token logprobs, with the alternatives of a position in one array
// (TopLogprobList) and repeated token strings shared. It reads only the common shape — an object whose choices[0] has a
// message object and no tool calls, every logprob entry an object with a numeric logprob — and declines anything else
// (returns false, or throws for invalid JSON) so that the document reader in OpenAiWire, which words every failure,
// decides. Where a property repeats, the last one counts, as with JsonDocument.
using System.Text.Json;

namespace Interp.Agent.Llm.Wire;

internal static class ChatReader
{
    /// <summary>Reads the common shape; false when the body is anything else (not an error by itself).</summary>
    public static bool TryRead(ReadOnlySpan<byte> utf8, out LlmChatResult result, out (long Prompt, long Completion)? usage)
    {
        result = null!; usage = null;
        var r = new Utf8JsonReader(utf8);
        var strings = new Interner();
        if (!r.Read() || r.TokenType != JsonTokenType.StartObject) return false;
        Choice? choice = null;
        string? model = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("choices"u8))
            {
                r.Read();
                choice = null;
                if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); continue; }
                r.Read();
                if (r.TokenType == JsonTokenType.EndArray) continue;
                if (r.TokenType != JsonTokenType.StartObject || ReadChoice(ref r, strings) is not { } c) return false;
                choice = c;
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) r.Skip();
            }
            else if (r.ValueTextEquals("model"u8)) model = Str(ref r, null);
            else if (r.ValueTextEquals("usage"u8)) usage = OpenAiWire.ReadUsage(ref r);
            else { r.Read(); r.Skip(); }
        }
        if (r.TokenType != JsonTokenType.EndObject || r.Read()) return false;
        if (choice is null) return false;
        result = new LlmChatResult(choice.Content, choice.Refusal, choice.FinishReason, choice.Logprobs, new List<LlmToolCall>(), model);
        return true;
    }

    private sealed record Choice(string? Content, string? Refusal, string? FinishReason, List<TokenLogprob>? Logprobs);

    /// <summary>choices[0], the reader on its StartObject; null to decline.</summary>
    private static Choice? ReadChoice(ref Utf8JsonReader r, Interner strings)
    {
        string? finish = null, content = null, refusal = null;
        bool message = false;
        List<TokenLogprob>? lps = null;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("message"u8))
            {
                r.Read();
                message = r.TokenType == JsonTokenType.StartObject;
                if (!message) { r.Skip(); continue; }
                content = refusal = null;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (r.ValueTextEquals("content"u8)) content = Str(ref r, null);
                    else if (r.ValueTextEquals("refusal"u8)) refusal = Str(ref r, null);
                    else if (r.ValueTextEquals("tool_calls"u8))
                    {
                        r.Read();
                        if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); continue; }
                        r.Read();
                        if (r.TokenType != JsonTokenType.EndArray) return null;   // tool calls: the document reader
                    }
                    else { r.Read(); r.Skip(); }
                }
            }
            else if (r.ValueTextEquals("finish_reason"u8)) finish = Str(ref r, null);
            else if (r.ValueTextEquals("logprobs"u8))
            {
                r.Read();
                lps = null;
                if (r.TokenType != JsonTokenType.StartObject) { r.Skip(); continue; }
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    if (!r.ValueTextEquals("content"u8)) { r.Read(); r.Skip(); continue; }
                    r.Read();
                    lps = null;
                    if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); continue; }
                    lps = [];
                    var scratch = new List<(string, double)>(32);
                    while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                    {
                        if (r.TokenType != JsonTokenType.StartObject || ReadEntry(ref r, strings, scratch) is not { } e) return null;
                        lps.Add(e);
                    }
                }
            }
            else { r.Read(); r.Skip(); }
        }
        return message ? new Choice(content, refusal, finish, lps) : null;
    }

    /// <summary>One logprobs.content entry, the reader on its StartObject; null to decline.</summary>
    private static TokenLogprob? ReadEntry(ref Utf8JsonReader r, Interner strings, List<(string, double)> scratch)
    {
        string? token = null;
        double? logprob = null;
        TopLogprobList top = TopLogprobList.Empty;
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            if (r.ValueTextEquals("token"u8)) token = Str(ref r, strings);
            else if (r.ValueTextEquals("logprob"u8)) { if ((logprob = Number(ref r)) is null) return null; }
            else if (r.ValueTextEquals("top_logprobs"u8))
            {
                r.Read();
                top = TopLogprobList.Empty;
                if (r.TokenType != JsonTokenType.StartArray) { r.Skip(); continue; }
                scratch.Clear();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray)
                {
                    if (r.TokenType != JsonTokenType.StartObject) return null;
                    string? t = null;
                    double? lp = null;
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        if (r.ValueTextEquals("token"u8)) t = Str(ref r, strings);
                        else if (r.ValueTextEquals("logprob"u8)) { if ((lp = Number(ref r)) is null) return null; }
                        else { r.Read(); r.Skip(); }
                    }
                    if (lp is null) return null;
                    scratch.Add((t ?? "", lp.Value));
                }
                top = new TopLogprobList(scratch.ToArray());
            }
            else { r.Read(); r.Skip(); }
        }
        return logprob is null ? null : new TokenLogprob(token ?? "", logprob.Value, top);
    }

    /// <summary>The next value as a string when it is one, else null (and the value skipped).</summary>
    private static string? Str(ref Utf8JsonReader r, Interner? strings)
    {
        r.Read();
        if (r.TokenType != JsonTokenType.String) { r.Skip(); return null; }
        return strings is null ? r.GetString() : strings.Get(ref r);
    }

    /// <summary>The next value as a double; null when it is not a number a double holds.</summary>
    private static double? Number(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType == JsonTokenType.Number && r.TryGetDouble(out double d) ? d : null;
    }

    /// <summary>One string object per distinct short token within an answer (the same few dozen alternatives recur at every position).</summary>
    private sealed class Interner
    {
        private const int MaxChars = 64;
        private readonly Dictionary<string, string> _map = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

        public Interner() { _lookup = _map.GetAlternateLookup<ReadOnlySpan<char>>(); }

        public string Get(ref Utf8JsonReader r)
        {
            long bytes = r.HasValueSequence ? r.ValueSequence.Length : r.ValueSpan.Length;
            if (bytes > MaxChars) return r.GetString()!;
            Span<char> buf = stackalloc char[MaxChars];
            var chars = buf[..r.CopyString(buf)];
            if (_lookup.TryGetValue(chars, out var s)) return s;
            s = new string(chars);
            _map[s] = s;
            return s;
        }
    }
}
