// The bytes-end-to-end LLM client (label-perf3) against the stand-in answering with exactly the bytes a test gives
// (invalid UTF-8, byte-order marks, other charsets, odd numbers) and what the client makes of them — a recorded failure
// or the value the text path gave, never an exception out of ChatAsync and never a silently different value.
using System.Text;
using System.Text.Json.Nodes;
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Outcomes;
using Interp.Agent.Llm.Wire;
using Interp.Agent.StandIn;

namespace Interp.Agent.Tests.Llm.Bodies;

public sealed class ByteBodyTests
{
    private static async Task<LlmOutcome<LlmChatResult>> Ask(string contentType, byte[] body)
    {
        // the stand-in answers every chat request with status 200, this content type and exactly these bytes
        var fault = new JsonObject { ["kind"] = "status", ["status"] = 200, ["content_type"] = contentType, ["body_base64"] = Convert.ToBase64String(body) };
        string script = new JsonObject { ["rules"] = new JsonArray(new JsonObject { ["when"] = new JsonObject { ["path"] = "chat" }, ["fault"] = fault }) }.ToJsonString();
        await using var server = await StandInServer.StartAsync(StandInScript.Parse(script));
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
