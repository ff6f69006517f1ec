// OpenAiWire.ReadChat (ChatReader's one forward pass over the bytes, the document reader for what it declines) against
// the document reader alone: same result, same failure text, same usage, on the shapes a server sends and on broken ones.
using System.Text;
using Interp.Agent.Llm.Parsing;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Parsing;

public sealed class ChatReaderTests
{
    public static TheoryData<string> Bodies() => new()
    {
        // the common shape, with logprobs, escapes and non-ASCII tokens
        """{"id":"x","object":"chat.completion","model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"a\tb \u003C\u00e9"},"finish_reason":"stop","logprobs":{"content":[{"token":"a","logprob":-0.1,"bytes":[97],"top_logprobs":[{"token":"a","logprob":-0.1,"bytes":[97]},{"token":"7","logprob":-2.5,"bytes":[55]}]},{"token":"\tb","logprob":-1e-3,"top_logprobs":[]},{"token":" <é","logprob":-0.5,"top_logprobs":[{"token":" <é","logprob":-0.5},{"token":" 10","logprob":-3}]}],"refusal":null}}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}""",
        // no logprobs; logprobs null; logprobs without content; top_logprobs not an array; token not a string
        """{"choices":[{"message":{"content":"hi"},"finish_reason":"length"}]}""",
        """{"choices":[{"message":{"content":"hi"},"logprobs":null}],"model":7}""",
        """{"choices":[{"message":{"content":"hi"},"logprobs":{"refusal":null}}]}""",
        """{"choices":[{"message":{"content":"hi"},"logprobs":{"content":[{"token":5,"logprob":-1,"top_logprobs":{"a":1}}]}}]}""",
        // refusal, content filter, several choices, repeated properties (the last counts)
        """{"choices":[{"message":{"content":null,"refusal":"no"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5}}""",
        """{"choices":[{"message":{"content":"x"},"finish_reason":"content_filter"},{"message":{"content":"second"}}]}""",
        """{"choices":[{"message":{"content":"first"},"message":{"refusal":"later"},"finish_reason":"a","finish_reason":"b"}],"model":"a","model":"b"}""",
        """{"choices":[{"message":{"content":"one"}}],"choices":[{"message":{"content":"two"}}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"x","logprob":-1}]},"logprobs":null}]}""",
        // tool calls (declined by the fast pass), and an empty tool_calls list
        """{"choices":[{"message":{"content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}""",
        """{"choices":[{"message":{"content":"x","tool_calls":[]}}]}""",
        // failures: no choices, empty choices, error body, choices[0] not an object, no message object, missing or odd logprob
        """{"id":"x"}""",
        """{"choices":[]}""",
        """{"error":{"message":"overloaded","type":"server_error"}}""",
        """{"error":"plain","choices":[{"message":{"content":"still an answer"}}]}""",
        """{"choices":[1]}""",
        """{"choices":[{"message":"hi"}]}""",
        """{"choices":[{"message":{"content":"hi"}}],"message":{"content":"x"},"choices":[{"message":null}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"x"}]}}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"x","logprob":"-1"}]}}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"x","logprob":-1,"top_logprobs":[{"token":"y"}]}]}}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[{"token":"x","logprob":1e999}]}}]}""",
        """{"choices":[{"message":{"content":"x"},"logprobs":{"content":[7]}}]}""",
        """{"choices":[{"message":{"content":"x"}}],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}""",
        // not JSON, trailing text, not an object
        """{"id":"chatcmpl","choices":[{"index":0,"message":""",
        """{"choices":[{"message":{"content":"x"}}]} trailing""",
        "[1,2]",
        "",
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void ReadChat_SameAsTheDocumentReader(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var (fast, fastUsage) = OpenAiWire.ReadChat(bytes);
        var (doc, docUsage) = OpenAiWire.ParseChatDocument(bytes);
        Assert.Equal(doc.Ok, fast.Ok);
        Assert.Equal(doc.Error, fast.Error);
        if (doc.Ok && docUsage is not null) Assert.Equal(docUsage, fastUsage);
        if (!doc.Ok) return;
        var (a, b) = (doc.Value, fast.Value);
        Assert.Equal((a.Content, a.Refusal, a.FinishReason, a.Model), (b.Content, b.Refusal, b.FinishReason, b.Model));
        Assert.Equal(a.ToolCalls, b.ToolCalls);
        Assert.Equal(a.Logprobs is null, b.Logprobs is null);
        if (a.Logprobs is null) return;
        Assert.Equal(a.Logprobs.Count, b.Logprobs!.Count);
        for (int i = 0; i < a.Logprobs.Count; i++)
        {
            Assert.Equal((a.Logprobs[i].Token, a.Logprobs[i].Logprob), (b.Logprobs[i].Token, b.Logprobs[i].Logprob));
            Assert.Equal(a.Logprobs[i].Top, b.Logprobs[i].Top);   // TopLogprob records, by value
        }
    }

    [Fact]
    public void ReadChat_UsageOfAGoodBody_AsScanReadsIt()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"usage":{"completion_tokens":7,"prompt_tokens":5},"choices":[{"message":{"content":"x"}}]}""");
        Assert.Equal((5L, 7L), OpenAiWire.ReadChat(bytes).Usage);
        Assert.Equal(OpenAiWire.Scan(bytes).Usage, OpenAiWire.ReadChat(bytes).Usage);
        Assert.Null(OpenAiWire.ReadChat(Encoding.UTF8.GetBytes("""{"choices":[{"message":{"content":"x"}}]}""")).Usage);
    }

    [Fact]
    public void ExpectedValue_OnTheCompactList_AsOnTopLogprobObjects()
    {
        var pairs = new (string, double)[] { (" 3", -0.2), ("4", -1.9), ("x", -0.1), ("11", -0.5), ("0", double.NegativeInfinity) };
        var list = new TopLogprobList(pairs);
        var objects = pairs.Select(p => new TopLogprob(p.Item1, p.Item2)).ToList();
        Assert.Equal(LogprobReaders.ExpectedValue(objects).Value, LogprobReaders.ExpectedValue(list).Value, 12);
        Assert.Equal(LogprobReaders.BinaryProbability(objects, "4", "3").Value, LogprobReaders.BinaryProbability(list, "4", "3").Value, 12);
        Assert.False(LogprobReaders.ExpectedValue(new TopLogprobList([("x", -0.1)])).Ok);
    }
}
