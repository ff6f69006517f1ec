// The shuffling buffer between an activation source and the trainer: capacity n_batches_in_buffer × batch rows
// (memory bounded whatever the corpus size). It is filled once and shuffled; batches are served in the shuffled slot
// order; once half of it has been served, those slots are refilled from the source and the whole order is
// reshuffled, so each batch mixes activations from many contexts. Shuffles are seeded (seed, shuffle index).
namespace Interp.Dictionaries.Training;

public sealed class ActivationBuffer
{
    private readonly IActivationSource _source;
    private readonly float[] _rows;      // [capacity, d_in]: the activations, by slot
    private int[] _order;                // [capacity]: slots in serving order
    private int _next;                   // slots _order[0.._next) have been served since the last shuffle
    private long _shuffles;
    private readonly ulong _seed;

    public int DIn { get; }
    public int BatchRows { get; }
    public int Capacity { get; }
    public bool IsFilled { get; private set; }
    /// <summary>Rows read from the source so far.</summary>
    public long RowsRead { get; private set; }

    public ActivationBuffer(IActivationSource source, int batchRows, int nBatchesInBuffer, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (batchRows < 1) throw new ArgumentOutOfRangeException(nameof(batchRows), $"batch rows = {batchRows} must be >= 1.");
        if (nBatchesInBuffer < 2) throw new ArgumentOutOfRangeException(nameof(nBatchesInBuffer), $"n_batches_in_buffer = {nBatchesInBuffer} must be >= 2.");
        long floats = (long)batchRows * nBatchesInBuffer * source.DIn;
        if (floats > int.MaxValue) throw new ArgumentException($"a buffer of {batchRows} × {nBatchesInBuffer} rows × d_in {source.DIn} is too large; lower n_batches_in_buffer.");
        _source = source; _seed = seed;
        DIn = source.DIn; BatchRows = batchRows; Capacity = batchRows * nBatchesInBuffer;
        _rows = new float[floats];
        _order = new int[Capacity];
    }

    /// <summary>All rows of a freshly filled buffer (for b_dec init and the norm estimate): fills it if needed.</summary>
    public ReadOnlySpan<float> InitialRows()
    {
        if (!IsFilled) Fill();
        return _rows;
    }

    /// <summary>Copies the next batch, [batch rows, d_in] row-major, into <paramref name="dst"/>.</summary>
    public void NextBatch(Span<float> dst)
    {
        if (dst.Length != BatchRows * DIn) throw new ArgumentException($"a batch is {BatchRows} × {DIn} floats; got {dst.Length}.");
        if (!IsFilled) Fill();
        if (_next >= Capacity / 2) Refill();
        for (int i = 0; i < BatchRows; i++)
            _rows.AsSpan(_order[_next + i] * DIn, DIn).CopyTo(dst.Slice(i * DIn, DIn));
        _next += BatchRows;
    }

    private void Fill()
    {
        for (int s = 0; s < Capacity; s++) { _order[s] = s; ReadRow(s); }
        IsFilled = true;
        Shuffle();
    }

    private void Refill()
    {
        for (int i = 0; i < _next; i++) ReadRow(_order[i]);
        Shuffle();
    }

    private void ReadRow(int slot)
    {
        _source.Read(_rows.AsSpan(slot * DIn, DIn));
        RowsRead++;
    }

    private void Shuffle()
    {
        new Tensors.Rng(DeriveSeed(_seed, 1, (ulong)_shuffles)).Shuffle<int>(_order);
        _shuffles++;
        _next = 0;
    }

    /// <summary>A seed for stream <paramref name="stream"/>, item <paramref name="index"/> of a run seeded <paramref name="seed"/>.</summary>
    internal static ulong DeriveSeed(ulong seed, ulong stream, ulong index)
    {
        ulong s = seed ^ (stream * 0xD1B54A32D192ED03UL);
        s += index * 0x9E3779B97F4A7C15UL;
        return Tensors.Rng.SplitMix64(ref s);
    }

    // ---- checkpointing ------------------------------------------------------------------------------

    public sealed record State(float[] Rows, int[] Order, int Next, long Shuffles, long RowsRead, bool Filled);

    /// <summary>A copy of the buffer (capacity × d_in floats) and its position.</summary>
    public State GetState() => new((float[])_rows.Clone(), (int[])_order.Clone(), _next, _shuffles, RowsRead, IsFilled);

    public void LoadState(State s)
    {
        if (s.Rows.Length != _rows.Length || s.Order.Length != Capacity)
            throw new ArgumentException($"the saved buffer holds {s.Order.Length} rows of {(s.Order.Length == 0 ? 0 : s.Rows.Length / s.Order.Length)} floats; " +
                $"this one is {Capacity} × {DIn} (were n_batches_in_buffer, train_batch_size_tokens or d_in changed?).");
        if (s.Next < 0 || s.Next > Capacity || s.Order.Any(o => (uint)o >= (uint)Capacity)) throw new ArgumentException("the saved buffer's serving order is corrupt.");
        s.Rows.CopyTo(_rows, 0);
        _order = (int[])s.Order.Clone();
        _next = s.Next; _shuffles = s.Shuffles; RowsRead = s.RowsRead; IsFilled = s.Filled;
    }
}
