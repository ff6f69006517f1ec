// What the byte-level BPE trainer produces (vocabulary in id order, merges in rank order, special tokens) and its
// Hugging Face tokenizer.json form: ByteLevel pre-tokenizer (GPT-2 regex, no prefix space), BPE model, ByteLevel decoder.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Interp.Models.Tokenizers.Training;

public sealed class BpeTrainingResult
{
    /// <summary>Token strings in id order: special tokens, the 256 byte chars, then one token per merge.</summary>
    public IReadOnlyList<string> Vocab { get; }
    /// <summary>Merges in rank order, as byte-char strings (e.g. ("Ġ", "t")).</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }
    public IReadOnlyList<string> SpecialTokens { get; }

    internal BpeTrainingResult(IReadOnlyList<string> vocab, IReadOnlyList<(string, string)> merges, IReadOnlyList<string> specials)
    {
        Vocab = vocab; Merges = merges; SpecialTokens = specials;
    }

    /// <summary>The tokenizer.json text (indented, non-ASCII kept readable).</summary>
    public string ToTokenizerJson()
    {
        using var ms = new MemoryStream();
        var opts = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var w = new Utf8JsonWriter(ms, opts))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            for (int i = 0; i < SpecialTokens.Count; i++)
            {
                w.WriteStartObject();
                w.WriteNumber("id", i);
                w.WriteString("content", SpecialTokens[i]);
                w.WriteBoolean("single_word", false); w.WriteBoolean("lstrip", false); w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false); w.WriteBoolean("special", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNull("normalizer");
            ByteLevel(w, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
            ByteLevel(w, "post_processor", addPrefixSpace: true, trimOffsets: false);
            ByteLevel(w, "decoder", addPrefixSpace: true, trimOffsets: true);
            w.WriteStartObject("model");
            w.WriteString("type", "BPE");
            w.WriteNull("dropout"); w.WriteNull("unk_token"); w.WriteNull("continuing_subword_prefix"); w.WriteNull("end_of_word_suffix");
            w.WriteBoolean("fuse_unk", false); w.WriteBoolean("byte_fallback", false); w.WriteBoolean("ignore_merges", false);
            w.WriteStartObject("vocab");
            for (int i = 0; i < Vocab.Count; i++) w.WriteNumber(Vocab[i], i);
            w.WriteEndObject();
            w.WriteStartArray("merges");
            foreach (var (l, r) in Merges)
            {
                w.WriteStartArray();
                w.WriteStringValue(l); w.WriteStringValue(r);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void ByteLevel(Utf8JsonWriter w, string name, bool addPrefixSpace, bool trimOffsets)
    {
        w.WriteStartObject(name);
        w.WriteString("type", "ByteLevel");
        w.WriteBoolean("add_prefix_space", addPrefixSpace);
        w.WriteBoolean("trim_offsets", trimOffsets);
        w.WriteBoolean("use_regex", true);
        w.WriteEndObject();
    }

    /// <summary>The trained tokenizer, loaded through the same parser as a tokenizer.json file on disk.</summary>
    public Tokenizer ToTokenizer() => TokenizerLoader.FromJson(ToTokenizerJson(), SpecialTokens.FirstOrDefault(), SpecialTokens.FirstOrDefault());

    /// <summary>Writes tokenizer.json to <paramref name="path"/> (creating its folder).</summary>
    public void Save(string path)
    {
        Interp.Tensors.IO.AtomicFile.WriteAllText(path, ToTokenizerJson(), "tokenizer.json");
    }
}
