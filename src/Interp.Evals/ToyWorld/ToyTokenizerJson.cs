// Writes the toy world's tokenizer as a Hugging Face tokenizer.json: a WordLevel model over Lexicon.Vocabulary
// (id = position), a WhitespaceSplit pre-tokenizer, the four specials as added tokens, no normalizer, no
// post-processor (documents carry their own <bos>), no decoder (decoding joins tokens with single spaces).
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Interp.Evals.ToyWorld;

public static class ToyTokenizerJson
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keeps "<bos>" readable; the file is never embedded in HTML
        NewLine = "\n",
    };

    /// <summary>The tokenizer.json text (UTF-8, "\n" line ends, same bytes every time).</summary>
    public static byte[] Build()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var s in Lexicon.Specials)
            {
                w.WriteStartObject();
                w.WriteNumber("id", Lexicon.Id(s));
                w.WriteString("content", s);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", false);
                w.WriteBoolean("special", true);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNull("normalizer");
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "WhitespaceSplit");
            w.WriteEndObject();
            w.WriteNull("post_processor");
            w.WriteNull("decoder");
            w.WriteStartObject("model");
            w.WriteString("type", "WordLevel");
            w.WriteStartObject("vocab");
            for (int i = 0; i < Lexicon.Vocabulary.Length; i++) w.WriteNumber(Lexicon.Vocabulary[i], i);
            w.WriteEndObject();
            w.WriteString("unk_token", Lexicon.Unk);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    /// <summary>tokenizer_config.json naming the specials, so loaders that read it find BOS/EOS/PAD/UNK by name.</summary>
    public static byte[] BuildConfig()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("tokenizer_class", "PreTrainedTokenizerFast");
            w.WriteString("bos_token", Lexicon.Bos);
            w.WriteString("eos_token", Lexicon.Eos);
            w.WriteString("pad_token", Lexicon.Pad);
            w.WriteString("unk_token", Lexicon.Unk);
            w.WriteNumber("model_max_length", ToyWorldOptions.DefaultMaxTokens);
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }
}
