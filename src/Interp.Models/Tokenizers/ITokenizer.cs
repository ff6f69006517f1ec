// The tokenizer contract every model and tool in Interp uses: text <-> token ids, with char offsets.
// Implementations: Tokenizer (HF tokenizer.json pipelines and GPT-2 vocab.json + merges.txt), built by TokenizerLoader.
namespace Interp.Models.Tokenizers;

public interface ITokenizer
{
    /// <summary>Token ids of <paramref name="text"/>; with addSpecialTokens the post-processor's specials (e.g. Llama's BOS) are added.</summary>
    int[] Encode(string text, bool addSpecialTokens = false);

    /// <summary>Ids plus, per token, the [start, end) UTF-16 char span of the original text it covers. A byte-level token
    /// holding part of a multi-byte char reports the whole char's span; added special tokens from the post-processor get (0, 0).</summary>
    (int[] Ids, (int Start, int End)[] Offsets) EncodeWithOffsets(string text, bool addSpecialTokens = false);

    /// <summary>Text of the ids (bytes that do not form valid UTF-8 become U+FFFD); unknown ids are skipped.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false);

    /// <summary>Readable form of one token for display (byte-level "Ġthe" -> " the", "▁the" -> " the",
    /// incomplete UTF-8 bytes as \xNN); never null: an unknown id gives "&lt;unk:ID&gt;".</summary>
    string TokenToString(int id);

    /// <summary>One past the largest id in the vocabulary or the added tokens (the embedding size a model needs at least).</summary>
    int VocabSize { get; }

    int? BosId { get; }
    int? EosId { get; }
    int? PadId { get; }

    /// <summary>The raw vocabulary string of an id (e.g. "Ġthe", "▁the", "&lt;0x0A&gt;"), or null when no token has it.</summary>
    string? IdToToken(int id);

    /// <summary>The id of a raw vocabulary string or added token, or null when absent.</summary>
    int? TokenToId(string token);
}
