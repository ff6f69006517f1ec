// The in-memory copy's state as sidecar sections (VectorSidecar frames and checks them): the rows' keys and filter
// fields (one block), then the explanation matrix's and the decoder matrix's arrays as they lie in memory, so a load is
// one sequential read straight into the arrays, with no parsing and no re-quantising.
using System.Text;

namespace Interp.Index.Embedded;

internal sealed partial class VectorCache
{
    public int ExplanationDim => _e.Dim;
    public int DecoderDim => _d.Dim;

    /// <summary>Per row: pk, id and the payload's filter fields (the explanation text is not kept in memory).</summary>
    public byte[] KeysBlock()
    {
        using var ms = new MemoryStream(_count * 160);
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
            for (int s = 0; s < _count; s++)
            {
                var p = _payload[s];
                w.Write(_pk[s]); w.Write(_id[s]);
                w.Write(p.SaeId); w.Write(p.SaeName); w.Write(p.ModelId); w.Write(p.ModelName); w.Write(p.Hook);
                w.Write(p.Layer); w.Write(p.Feature);
                w.Write(p.Score.HasValue); w.Write(p.Score ?? 0);
                w.Write(p.ScoreMethod is not null); w.Write(p.ScoreMethod ?? "");
                w.Write(p.Density.HasValue); w.Write(p.Density ?? 0);
                w.Write(p.Labeled); w.Write(p.RunId);
            }
        return ms.ToArray();
    }

    /// <summary>Both matrices' sections for the first Count rows, explanation first.</summary>
    public void ForEachMatrixSection(VectorSidecar.BytesAction each)
    {
        _e.ForEachSection(_count, each);
        _d.ForEachSection(_count, each);
    }

    /// <summary>An empty cache sized for <paramref name="count"/> rows whose matrices' arrays the sidecar is read into
    /// (through ForEachMatrixSection), then <see cref="FinishLoad"/> with the keys block.</summary>
    public static VectorCache ForLoad(int explanationDim, int decoderDim, int count)
    {
        var c = new VectorCache(explanationDim);
        c.Reserve(Math.Max(count, InitialCapacity));
        if (decoderDim > 0) c._d.EnsureDim(decoderDim);
        c._count = count;
        return c;
    }

    /// <summary>Fills keys and payloads from <paramref name="keys"/>; false when the block does not hold exactly Count
    /// rows (the checksum passed, so only a writer bug gets here).</summary>
    public bool FinishLoad(byte[] keys)
    {
        var strings = new Dictionary<string, string>(StringComparer.Ordinal);   // SAE / model / hook / run names repeat
        string S(BinaryReader r) { var v = r.ReadString(); if (!strings.TryGetValue(v, out var x)) strings[v] = x = v; return x; }
        try
        {
            using var r = new BinaryReader(new MemoryStream(keys, writable: false), Encoding.UTF8);
            for (int s = 0; s < _count; s++)
            {
                long pk = r.ReadInt64(); string id = r.ReadString();
                string saeId = S(r), saeName = S(r), modelId = S(r), modelName = S(r), hook = S(r);
                int layer = r.ReadInt32(), feature = r.ReadInt32();
                bool hasScore = r.ReadBoolean(); double score = r.ReadDouble();
                bool hasMethod = r.ReadBoolean(); string method = S(r);
                bool hasDensity = r.ReadBoolean(); double density = r.ReadDouble();
                bool labeled = r.ReadBoolean(); string run = S(r);
                _pk[s] = pk; _id[s] = id;
                _payload[s] = new FeaturePayload(saeId, saeName, modelId, modelName, hook, layer, feature, hasScore ? score : null,
                    hasMethod ? method : null, hasDensity ? density : null, labeled, run, "");
                if (!_slot.TryAdd(pk, s)) return false;
            }
            return r.BaseStream.Position == keys.Length;
        }
        catch (EndOfStreamException) { return false; }
    }
}
