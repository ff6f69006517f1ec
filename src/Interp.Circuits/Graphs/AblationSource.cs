// What an ablated node is replaced with: its mean activation over a prompt set (ActivationMeans; the and the
// IOI paper's choice), or its activation on the paired corrupted prompt (ACDC's patching ablation: a node only
// loses what differs between clean and corrupted). Replacements broadcast against [batch, pos, ...].
using System.Text.Json.Serialization;
using Interp.Models;
using Interp.Tensors;

namespace Interp.Circuits;

[JsonConverter(typeof(JsonStringEnumConverter<AblationKind>))]
public enum AblationKind
{
    [JsonStringEnumMemberName("mean")] Mean,
    [JsonStringEnumMemberName("corrupted")] Corrupted,
}

public interface IAblationSource : IDisposable
{
    /// <summary>The replacement for <paramref name="hook"/> in <paramref name="batch"/>: [pos, ...] or [batch, pos, ...]; the caller disposes it.</summary>
    Tensor For(string hook, PromptBatch batch);

    /// <summary>One line saying what ablated nodes become.</summary>
    string Describe { get; }
}

/// <summary>Each prompt's ablated nodes take their values from its own corrupted prompt (cached per batch).</summary>
internal sealed class CorruptedAblation(HookedTransformer model, IEnumerable<string> hooks) : IAblationSource
{
    private readonly HashSet<string> _hooks = hooks.ToHashSet();
    private readonly Dictionary<int, ActivationCache> _byBatch = new();

    public string Describe => "the paired corrupted prompt's activation (patching ablation)";

    public Tensor For(string hook, PromptBatch batch)
    {
        if (!_byBatch.TryGetValue(batch.Start, out var cache))
        {
            using var noGrad = Tensor.NoGrad();
            using var scope = TensorScope.Begin();                                  // the logits (the cache owns its activations)
            _byBatch[batch.Start] = cache = model.RunWithCache(batch.Corrupted, _hooks.Contains).cache;
        }
        return cache[hook].Detach();
    }

    public void Dispose()
    {
        foreach (var c in _byBatch.Values) c.Dispose();
        _byBatch.Clear();
    }
}
