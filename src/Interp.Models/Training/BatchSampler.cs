// Training and evaluation batches from a token-id array. Step k's batch is drawn from an Rng keyed by
// (seed, k) alone, so the sampler's whole state is the step number: a resumed run draws exactly the batches
// an uninterrupted one would. Evaluation windows are fixed and evenly spread. Not the loss.
using Interp.Tensors;
using Interp.Errors;

namespace Interp.Models.Training;

public sealed class BatchSampler
{
    private readonly int[] _ids;
    public int BatchSize { get; }
    public int NCtx { get; }
    public ulong Seed { get; }

    /// <summary>Rows are n_ctx inputs plus the next token as the last target, so the corpus needs n_ctx + 1 ids at least.</summary>
    public BatchSampler(int[] ids, int batchSize, int nCtx, ulong seed, string what = "corpus")
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Length < nCtx + 1)
            throw new ConfigException($"{what} has {ids.Length} tokens but one training row needs n_ctx + 1 = {nCtx + 1}; use more text or a smaller n_ctx.");
        _ids = ids; BatchSize = batchSize; NCtx = nCtx; Seed = seed;
    }

    public int TokenCount => _ids.Length;

    /// <summary>The Rng for step <paramref name="step"/>: a SplitMix64 hash of (seed, step), independent of every other step.</summary>
    public static Rng StepRng(ulong seed, long step)
    {
        ulong k = seed ^ unchecked((ulong)step * 0xD1B54A32D192ED03UL);
        return new Rng(Rng.SplitMix64(ref k));
    }

    /// <summary>Row starts of step <paramref name="step"/>'s batch, uniform in [0, tokens - n_ctx - 1].</summary>
    public int[] Starts(long step)
    {
        var rng = StepRng(Seed, step);
        var s = new int[BatchSize];
        for (int r = 0; r < BatchSize; r++) s[r] = rng.NextInt(_ids.Length - NCtx);
        return s;
    }

    /// <summary>Evenly spread row starts covering the corpus: <paramref name="batches"/> batches of BatchSize rows.</summary>
    public int[] EvalStarts(int batches)
    {
        int rows = batches * BatchSize, last = _ids.Length - NCtx - 1;
        var s = new int[rows];
        for (int i = 0; i < rows; i++) s[i] = rows == 1 ? 0 : (int)((long)last * i / (rows - 1));
        return s;
    }

    /// <summary>Inputs [rows, n_ctx] and targets [rows·n_ctx] (the following token of each input) as I64 tensors.</summary>
    public (Tensor Inputs, Tensor Targets) Batch(ReadOnlySpan<int> starts)
    {
        int b = starts.Length, t = NCtx;
        var x = new long[b * t]; var y = new long[b * t];
        for (int r = 0; r < b; r++)
            for (int j = 0; j < t; j++)
            {
                x[r * t + j] = _ids[starts[r] + j];
                y[r * t + j] = _ids[starts[r] + j + 1];
            }
        return (Tensor.FromArray(x, b, t), Tensor.FromArray(y, b * t));
    }
}
