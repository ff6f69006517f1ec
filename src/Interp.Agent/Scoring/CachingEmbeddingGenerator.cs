// A bounded in-memory memo in front of an embedding generator, keyed by the exact text: a labeling run embeds each
// feature's score windows for its own embedding score and again for its neighbour's shuffled score, and this makes the
// second time free — also when the two ask at the same moment from two workers (the later one awaits the embedding in
// flight instead of computing it again). When full it drops everything older than the newest half. Thread-safe.
using System.Collections.Concurrent;
using Microsoft.Extensions.AI;

namespace Interp.Agent.Scoring;

public sealed class CachingEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, int capacity = 16384)
    : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ConcurrentDictionary<string, (Task<Embedding<float>> Vector, long Stamp)> _memo = new(StringComparer.Ordinal);
    private long _clock, _hits;

    /// <summary>Texts answered from the memo (or from an embedding already in flight).</summary>
    public long Hits => Interlocked.Read(ref _hits);

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var tasks = new Task<Embedding<float>>[texts.Count];
        var mine = new Dictionary<string, TaskCompletionSource<Embedding<float>>>(StringComparer.Ordinal);
        for (int i = 0; i < texts.Count; i++)
        {
            if (mine.TryGetValue(texts[i], out var own)) { tasks[i] = own.Task; continue; }
            var tcs = new TaskCompletionSource<Embedding<float>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var entry = _memo.GetOrAdd(texts[i], _ => (tcs.Task, Interlocked.Increment(ref _clock)));
            if (ReferenceEquals(entry.Vector, tcs.Task)) mine[texts[i]] = tcs;
            else Interlocked.Increment(ref _hits);
            tasks[i] = entry.Vector;
        }
        if (mine.Count > 0)
        {
            var fresh = mine.Keys.ToList();
            try
            {
                var got = await inner.GenerateAsync(fresh, options, cancellationToken);
                for (int j = 0; j < fresh.Count; j++) mine[fresh[j]].SetResult(got[j]);
            }
            catch (Exception e)
            {
                foreach (var (text, tcs) in mine) { _memo.TryRemove(text, out _); tcs.TrySetException(e); }
                throw;
            }
            if (_memo.Count > capacity) Trim();
        }
        return new GeneratedEmbeddings<Embedding<float>>(await Task.WhenAll(tasks));
    }

    private void Trim()
    {
        long cut = Interlocked.Read(ref _clock) - capacity / 2;
        foreach (var kv in _memo)
            if (kv.Value.Stamp <= cut && kv.Value.Vector.IsCompleted) _memo.TryRemove(kv.Key, out _);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : inner.GetService(serviceType, serviceKey);

    public void Dispose() => inner.Dispose();
}
