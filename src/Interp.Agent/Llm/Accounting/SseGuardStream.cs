// Wraps a streamed (text/event-stream) response body: reads the `usage` chunk when the server sends one, counts
// content chunks otherwise, and turns a stream that ends before `data: [DONE]` into an exception instead of a
// silently shortened answer. It reports once, at [DONE], at a premature end, or when the reader gives up.
using System.Text;
using System.Text.Json;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Llm.Accounting;

internal sealed class SseGuardStream(Stream inner, TimeSpan idleTimeout, Action<SseGuardStream.Result> onEnd) : Stream
{
    internal enum End { Done, Truncated, Abandoned }

    internal sealed record Result(End End, (long Prompt, long Completion)? Usage, int ContentChunks);

    private readonly List<byte> _line = new();
    private (long, long)? _usage;
    private int _chunks;
    private bool _reported;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        int n;
        // The pipeline's per-attempt timeout ends with the headers; a stream that stalls longer than it between chunks is broken.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
        idle.CancelAfter(idleTimeout);
        try { n = await inner.ReadAsync(buffer, idle.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            Report(End.Truncated);
            throw new LlmStreamTruncatedException($"stream stalled: no data for {idleTimeout.TotalSeconds:G} s before data: [DONE]");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            Report(End.Truncated);
            throw new LlmStreamTruncatedException($"stream broke before data: [DONE] ({e.Message})");
        }
        Scan(buffer.Span[..n]);
        if (n == 0 && !_reported)
        {
            Report(End.Truncated);
            throw new LlmStreamTruncatedException("stream ended before data: [DONE]");
        }
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

    private void Scan(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            if (b != (byte)'\n') { _line.Add(b); continue; }
            var line = Encoding.UTF8.GetString(_line.ToArray()).TrimEnd('\r');
            _line.Clear();
            if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
            string payload = line[5..].Trim();
            if (payload == "[DONE]") { Report(End.Done); continue; }
            if (payload.Contains("\"usage\"", StringComparison.Ordinal))
            {
                try
                {
                    using var doc = JsonDocument.Parse(payload);
                    if (OpenAiWire.ParseUsage(doc.RootElement) is { } u) _usage = u;
                }
                catch (JsonException) { }
            }
            if (payload.Contains("\"delta\"", StringComparison.Ordinal)) _chunks++;
        }
    }

    private void Report(End end)
    {
        if (_reported) return;
        _reported = true;
        onEnd(new Result(end, _usage, _chunks));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) { Report(End.Abandoned); inner.Dispose(); }
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
