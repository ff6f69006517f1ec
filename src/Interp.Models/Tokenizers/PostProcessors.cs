// Post-processors of HF tokenizer.json ("post_processor") for a single sequence: TemplateProcessing, RobertaProcessing,
// BertProcessing, ByteLevel (ids unchanged), Sequence. Used only when addSpecialTokens is set; pairs are not supported.
namespace Interp.Models.Tokenizers;

internal interface IPostProcessor
{
    /// <summary>Wraps the sequence's ids (and offsets) with special tokens; specials get offsets (0, 0).</summary>
    void AddSpecialTokens(List<int> ids, List<(int Start, int End)> offsets);

    /// <summary>The ids put before the sequence (the BOS candidate is the first).</summary>
    IReadOnlyList<int> PrefixIds { get; }
}

/// <summary>A single-sequence template: special-token id groups before and after the sequence ($A).</summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<int> prefix, IReadOnlyList<int> suffix) : IPostProcessor
{
    public IReadOnlyList<int> PrefixIds => prefix;

    public void AddSpecialTokens(List<int> ids, List<(int Start, int End)> offsets)
    {
        ids.InsertRange(0, prefix);
        offsets.InsertRange(0, Enumerable.Repeat((0, 0), prefix.Count));
        ids.AddRange(suffix);
        offsets.AddRange(Enumerable.Repeat((0, 0), suffix.Count));
    }
}

internal sealed class SequencePostProcessor(IReadOnlyList<IPostProcessor> items) : IPostProcessor
{
    public IReadOnlyList<int> PrefixIds => items.SelectMany(p => p.PrefixIds).ToArray();

    public void AddSpecialTokens(List<int> ids, List<(int Start, int End)> offsets)
    {
        foreach (var p in items) p.AddSpecialTokens(ids, offsets);
    }
}
