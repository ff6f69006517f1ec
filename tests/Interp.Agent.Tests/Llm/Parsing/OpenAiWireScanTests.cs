// OpenAiWire.Scan (the one-pass usage/refusal reader the accounting handler and cache hits use) against the document
// readers it replaces, ParseUsage and IsRefusal, on the shapes an OpenAI-compatible server sends; invalid JSON throws.
using System.Text.Json;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Parsing;

public sealed class OpenAiWireScanTests
{
    public static TheoryData<string> Bodies() => new()
    {
        """{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop","logprobs":{"content":[{"token":"hi","logprob":-0.1,"bytes":[104,105],"top_logprobs":[{"token":"hi","logprob":-0.1,"bytes":[104,105]}]}],"refusal":null}}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}""",
        """{"usage":{"completion_tokens":7,"prompt_tokens":5},"choices":[{"message":{"content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}""",
        """{"choices":[{"message":{"content":"x"},"finish_reason":"content_filter"}]}""",
        """{"choices":[{"message":{"content":"x","refusal":null},"finish_reason":"stop"},{"message":{"refusal":"second choice only"}}]}""",
        """{"choices":[],"usage":null}""",
        """{"choices":"odd","usage":{"prompt_tokens":1}}""",
        """{"object":"list","data":[{"embedding":[0.1,0.2]}],"usage":{"prompt_tokens":4,"total_tokens":4}}""",
        """[1,2,3]""",
        """ {"usage":{"prompt_tokens":2,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":0}}} """,
        """{"usage":{"prompt_tokens":1.5,"completion_tokens":2}}""",                    // counts that are not Int64: no usage
        """{"usage":{"prompt_tokens":3,"completion_tokens":1e3}}""",
        """{"usage":{"prompt_tokens":99999999999999999999}}""",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Scan_SameAsDocumentReaders(string body)
    {
        using var doc = JsonDocument.Parse(body);
        var scan = OpenAiWire.Scan(body);
        Assert.Equal(OpenAiWire.ParseUsage(doc.RootElement), scan.Usage);
        Assert.Equal(OpenAiWire.IsRefusal(doc.RootElement), scan.Refusal);
    }

    [Theory]
    [InlineData("""{"id":"chatcmpl","choices":[{"index":0,"message":""")]
    [InlineData("not json")]
    [InlineData("""{"usage":{"prompt_tokens":1}} trailing""")]
    [InlineData("")]
    public void Scan_NotJson_Throws(string body) => Assert.ThrowsAny<JsonException>(() => OpenAiWire.Scan(body));
}
