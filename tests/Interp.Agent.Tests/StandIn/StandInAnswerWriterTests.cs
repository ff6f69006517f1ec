// The stand-in writes chat answers with a JSON writer instead of a node tree: a logprob entry must come out byte for byte
// as the node tree writes it, and every answer's id carries the digest of the request it answers.
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Interp.Agent.StandIn;

namespace Interp.Agent.Tests.StandIn;

public sealed class StandInAnswerWriterTests
{
    [Theory]
    [InlineData(" of", 20)]
    [InlineData("\t7", 20)]
    [InlineData("1", 5)]
    [InlineData("<b>", 3)]
    [InlineData(" café\n", 1)]
    public void WriteLogprobEntry_SameBytesAsTheNodeTree(string token, int n)
    {
        foreach (var alts in new Dictionary<string, double>?[] { null, new() { ["5"] = -3.0 }, new() { ["1"] = -0.2, ["0"] = -1.8, ["x"] = -6 } })
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var w = new System.Text.Json.Utf8JsonWriter(buffer)) StandInReplies.WriteLogprobEntry(w, token, alts, n);
            Assert.Equal(StandInReplies.LogprobEntry(token, alts, n).ToJsonString(), System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        }
    }

    [Fact]
    public void WriteLogprobEntry_Cached_SameBytesInAnArray()
    {
        var alts = new Dictionary<string, double> { ["1"] = -0.2, ["0"] = -1.8 };
        string[] tokens = ["0", " of", "0", "\t", " of", "0"];   // repeats come from the entry cache
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            foreach (var t in tokens) StandInReplies.WriteLogprobEntry(w, t, alts, 20);
            w.WriteEndArray();
        }
        var nodes = new JsonArray(tokens.Select(t => (JsonNode)StandInReplies.LogprobEntry(t, alts, 20)).ToArray());
        Assert.Equal(nodes.ToJsonString(), System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public async Task ChatAnswer_IdCarriesTheRequestDigest()
    {
        await using var server = await StandInServer.StartAsync(StandInScript.Parse("""
            { "rules": [ { "when": { "path": "chat" }, "reply": { "content": "one two", "top_logprobs": { "5": -3.0 } } } ] }
            """));
        using var http = new HttpClient();
        var request = new JsonObject
        {
            ["model"] = "stand-in", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            ["logprobs"] = true, ["top_logprobs"] = 3,
        };
        var answer = (await (await http.PostAsJsonAsync(new Uri(server.BaseUrl + "/chat/completions"), request)).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("chatcmpl-stand-in-" + StandInServer.RequestDigest(server.Requests.Single().Body), (string)answer["id"]!);
        Assert.Equal("one two", (string)answer["choices"]![0]!["message"]!["content"]!);
        var lp = answer["choices"]![0]!["logprobs"]!["content"]!.AsArray();
        Assert.Equal([" two", "one"], lp.Select(e => (string)e!["token"]!).Reverse());
        Assert.All(lp, e => Assert.Equal(3, e!["top_logprobs"]!.AsArray().Count));
        Assert.Equal(2, (int)answer["usage"]!["completion_tokens"]!);
    }
}
