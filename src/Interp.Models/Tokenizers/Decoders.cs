// Decoders of HF tokenizer.json ("decoder"): ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence.
// DecodeChain follows HF's decode_chain on the token strings; Display gives one token's readable form (ITokenizer.TokenToString).
using System.Text;

namespace Interp.Models.Tokenizers;

internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);

    /// <summary>One token as a reader would want to see it inside a text (no first-token stripping).</summary>
    string Display(string token);
}

internal sealed class SequenceDecoder(IReadOnlyList<IDecoder> items) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var d in items) tokens = d.DecodeChain(tokens);
        return tokens;
    }

    public string Display(string token)
    {
        foreach (var d in items) token = d.Display(token);
        return token;
    }
}

/// <summary>Byte chars back to bytes, all tokens concatenated, then lossy UTF-8 (a token with a non-byte char
/// contributes its own UTF-8, as added tokens do).</summary>
internal sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var t in tokens)
            if (!ByteLevelMap.TryAppendBytes(t, bytes)) bytes.AddRange(Encoding.UTF8.GetBytes(t));
        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }

    public string Display(string token)
    {
        var bytes = new List<byte>();
        return ByteLevelMap.TryAppendBytes(token, bytes) ? ByteLevelMap.BytesToDisplay(bytes.ToArray()) : token;
    }
}

/// <summary>Replacement char -> space; in the first token (unless prepend_scheme is never) replacement chars are dropped.</summary>
internal sealed class MetaspaceDecoder(char replacement, PrependScheme scheme) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++)
        {
            bool drop = i == 0 && scheme != PrependScheme.Never;
            result.Add(drop ? tokens[i].Replace(replacement.ToString(), "") : tokens[i].Replace(replacement, ' '));
        }
        return result;
    }

    public string Display(string token) => token.Replace(replacement, ' ');
}

/// <summary>Runs of "&lt;0xNN&gt;" tokens become the UTF-8 text of their bytes, or one U+FFFD per byte when invalid.</summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    public static bool TryParseByte(string token, out byte b)
    {
        b = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out b);
    }

    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        void Flush()
        {
            if (pending.Count == 0) return;
            try { result.Add(new UTF8Encoding(false, true).GetString(pending.ToArray())); }
            catch (DecoderFallbackException) { for (int k = 0; k < pending.Count; k++) result.Add("\uFFFD"); }
            pending.Clear();
        }
        foreach (var t in tokens)
        {
            if (TryParseByte(t, out var b)) { pending.Add(b); continue; }
            Flush();
            result.Add(t);
        }
        Flush();
        return result;
    }

    public string Display(string token) =>
        TryParseByte(token, out var b) && b < 0x80 ? ((char)b).ToString() : token;
}

internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
    public string Display(string token) => token;
}

/// <summary>Removes up to `start` leading and `stop` trailing `content` chars from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        foreach (var t in tokens)
        {
            int s = 0, e = t.Length;
            while (s < start && s < e && t[s] == content) s++;
            for (int k = 0; k < stop && e > s && t[e - 1] == content; k++) e--;
            result.Add(t[s..e]);
        }
        return result;
    }

    public string Display(string token) => token;
}

internal sealed class ReplaceDecoder(SplitPattern pattern, string content) : IDecoder
{
    private readonly ReplaceNormalizer _replace = new(pattern, content);

    private string Apply(string t) => _replace.Normalize(NormalizedText.FromOriginal(t, 0, t.Length)).Text;

    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(Apply);
    public string Display(string token) => Apply(token);
}

/// <summary>HF's BPEDecoder: the end-of-word suffix becomes a space (nothing on the last token).</summary>
internal sealed class BpeSuffixDecoder(string suffix) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (int i = 0; i < tokens.Count; i++) result.Add(tokens[i].Replace(suffix, i == tokens.Count - 1 ? "" : " "));
        return result;
    }

    public string Display(string token) => token.Replace(suffix, " ");
}
