// The alternatives at one position of a chat answer's logprobs, held as one array of (token, logprob) pairs instead of a
// list of TopLogprob objects: a simulator answer has ~2,000 positions × 20 alternatives, and the readers look at a few
// positions only. Indexing yields a TopLogprob (equal by value to the one the list would have held).
using System.Collections;

namespace Interp.Agent.Llm.Wire;

public sealed class TopLogprobList : IReadOnlyList<TopLogprob>
{
    private readonly (string Token, double Logprob)[] _items;

    public TopLogprobList((string Token, double Logprob)[] items) { _items = items; }

    public static readonly TopLogprobList Empty = new([]);

    /// <summary>The alternatives, best first as the server sent them, without an object per alternative.</summary>
    public ReadOnlySpan<(string Token, double Logprob)> Pairs => _items;

    public int Count => _items.Length;

    public TopLogprob this[int index] => new(_items[index].Token, _items[index].Logprob);

    public IEnumerator<TopLogprob> GetEnumerator()
    {
        for (int i = 0; i < _items.Length; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
