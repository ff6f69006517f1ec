// The bytes-end-to-end LLM client (label-perf3) against a server that answers with exactly the bytes a test gives
// (invalid UTF-8, byte-order marks, other charsets, odd numbers) and what the client makes of them — a recorded failure
// or the value the text path gave, never an exception out of ChatAsync and never a silently different value.
using System.Net;
using System.Net.Sockets;
using System.Text;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Bodies;

public sealed class ByteBodyTests
{
    /// <summary>A loopback HTTP/1.1 server answering every request with status 200, the given content type and body bytes.</summary>
    private sealed class RawServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        public int Requests;

        public RawServer(string contentType, byte[] body)
        {
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient c;
                    try { c = await _listener.AcceptTcpClientAsync(_stop.Token); } catch { return; }
                    _ = Task.Run(async () =>
                    {
                        using var client = c;
                        var s = client.GetStream();
                        var head = new List<byte>();
                        var one = new byte[1];
                        while (!(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
                            if (await s.ReadAsync(one) == 0) return; else head.Add(one[0]);
                        string h = Encoding.ASCII.GetString(head.ToArray());
                        int len = 0;
                        foreach (var line in h.Split("\r\n"))
                            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) len = int.Parse(line[15..].Trim());
                        var req = new byte[len];
                        int got = 0;
                        while (got < len) { int n = await s.ReadAsync(req.AsMemory(got)); if (n == 0) return; got += n; }
                        Interlocked.Increment(ref Requests);
                        var resp = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                        await s.WriteAsync(resp);
                        await s.WriteAsync(body);
                        await s.FlushAsync();
                    });
                }
            });
        }

        public Uri BaseUrl => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1/");

        public async ValueTask DisposeAsync() { _stop.Cancel(); _listener.Stop(); try { await _loop; } catch { } }
    }

    private static async Task<LlmOutcome<LlmChatResult>> Ask(string contentType, byte[] body)
    {
        await using var server = new RawServer(contentType, body);
        using var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl));
        return await client.ChatAsync(LlmRole.Explainer, new LlmChatRequest([LlmMessage.User("hi")]), new LlmCallContext("r"));
    }

    private static byte[] Utf8WithInvalid(string before, byte[] invalid, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. invalid, .. Encoding.UTF8.GetBytes(after)];

    [Fact]
    public async Task InvalidUtf8InContent_IsARecordedMalformedResponse()
    {
        var o = await Ask("application/json", Utf8WithInvalid("""{"choices":[{"message":{"content":"a""", [0xFF], """b"}}],"usage":{"prompt_tokens":3,"completion_tokens":1}}"""));
        Assert.False(o.Succeeded);
        Assert.Equal(LlmFailureKind.MalformedResponse, o.Failure!.Kind);
    }

    [Fact]
    public async Task InvalidUtf8InALogprobToken_IsARecordedMalformedResponse()
    {
        var o = await Ask("application/json", Utf8WithInvalid("""{"choices":[{"message":{"content":"ab"},"logprobs":{"content":[{"token":"a""", [0xE2, 0x80], "\",\"logprob\":-0.1,\"top_logprobs\":[]}]}}]}"));
        Assert.False(o.Succeeded);
        Assert.Equal(LlmFailureKind.MalformedResponse, o.Failure!.Kind);
    }

    [Fact]
    public async Task Utf8ByteOrderMark_IsDropped()
    {
        var o = await Ask("application/json; charset=utf-8", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"café"}}]}""")]);
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal("café", o.Value.Content);
    }

    [Fact]
    public async Task Latin1Charset_IsDecodedByItsCharset()
    {
        var o = await Ask("application/json; charset=iso-8859-1", Encoding.Latin1.GetBytes("""{"choices":[{"message":{"content":"café"}}]}"""));
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal("café", o.Value.Content);
    }

    [Fact]
    public async Task Utf16WithByteOrderMark_IsDecoded()
    {
        var o = await Ask("application/json", [.. Encoding.Unicode.Preamble, .. Encoding.Unicode.GetBytes("""{"choices":[{"message":{"content":"café"}}]}""")]);
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal("café", o.Value.Content);
    }

    [Fact]
    public async Task NonIntegerUsage_IsNotAnExceptionOutOfChatAsync()
    {
        var o = await Ask("application/json", Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}"""));
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal("x", o.Value.Content);
        Assert.True(o.Usage.Estimated);   // the body's counts are unreadable: the estimate is booked, marked as one
    }

    [Fact]
    public async Task EscapedSurrogatePairToken_ReadsAsTheDocumentReaderDoes()
    {
        var body = Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"\ud83d\ude00"},"logprobs":{"content":[{"token":"\ud83d\ude00","logprob":-1E-5,"top_logprobs":[{"token":"\u00e9\"\\\/","logprob":-2.5e+0}]}]}}]}""");
        var o = await Ask("application/json", body);
        Assert.True(o.Succeeded, o.ToString());
        Assert.Equal("😀", o.Value.Logprobs![0].Token);
        Assert.Equal(-1e-5, o.Value.Logprobs[0].Logprob);
        Assert.Equal("é\"\\/", o.Value.Logprobs[0].Top[0].Token);
    }

    [Fact]
    public void InvalidUtf8InASkippedField_SameVerdictAsTheDocumentReader()
    {
        byte[] body = Utf8WithInvalid("""{"id":"x""", [0xC3, 0x28], "\",\"choices\":[{\"message\":{\"content\":\"ok\"}}]}");
        var fast = OpenAiWire.ReadChat(body).Chat;
        var doc = OpenAiWire.ParseChatDocument(body).Chat;
        Assert.Equal(doc.Ok, fast.Ok);
    }

    /// <summary>A charset .NET cannot decode: a recorded failure, not an exception out of ChatAsync.</summary>
    [Fact]
    public async Task UnknownCharset_IsARecordedFailure()
    {
        var o = await Ask("application/json; charset=bogus-9", Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"x"}}]}"""));
        Assert.False(o.Succeeded);
        Assert.Equal(LlmFailureKind.MalformedResponse, o.Failure!.Kind);
        Assert.Contains("bogus-9", o.Failure.Message);
    }
}
