// A bounded in-memory memo in front of an embedding generator, keyed by the exact text: a labeling run embeds each
// feature's score windows for its own embedding score and again for its neighbour's shuffled score, and this makes the
// second time free. When full it drops everything older than the newest half. Thread-safe.
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Scoring;

public sealed class CachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int capacity = 16384)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ConcurrentDictionary<string, (Embedding<float> Vector, long Stamp)> _memo = new(StringComparer.Ordinal);
    private long _clock;

    public long Hits => Interlocked.Read(ref _hits);
    private long _hits;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var result = new Embedding<float>[texts.Count];
        var missing = new List<int>();
        for (int i = 0; i < texts.Count; i++)
            if (_memo.TryGetValue(texts[i], out var hit)) { result[i] = hit.Vector; Interlocked.Increment(ref _hits); }
            else missing.Add(i);
        var fresh = missing.Select(i => texts[i]).Distinct(StringComparer.Ordinal).ToList();
        if (fresh.Count > 0)
        {
            var got = await inner.GenerateAsync(fresh, options, cancellationToken);
            var byText = new Dictionary<string, Embedding<float>>(StringComparer.Ordinal);
            for (int j = 0; j < fresh.Count; j++)
            {
                byText[fresh[j]] = got[j];
                _memo[fresh[j]] = (got[j], Interlocked.Increment(ref _clock));
            }
            foreach (var i in missing) result[i] = byText[texts[i]];
            if (_memo.Count > capacity) Trim();
        }
        return new GeneratedEmbeddings<Embedding<float>>(result);
    }

    private void Trim()
    {
        long cut = Interlocked.Read(ref _clock) - capacity / 2;
        foreach (var kv in _memo)
            if (kv.Value.Stamp <= cut) _memo.TryRemove(kv.Key, out _);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : inner.GetService(serviceType, serviceKey);

    public void Dispose() => inner.Dispose();
}
