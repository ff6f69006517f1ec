// Responses are stored from their UTF-8 bytes and read back as bytes now; the row must stay the TEXT row the string API
// wrote, so an llm.db written before reads the same, and one written now reads the same through the string API.
using Interp.Agent.Llm;
using Interp.Agent.Llm.Accounting;
using Interp.Agent.Llm.Store;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Accounting;

public sealed class StoredBodyFormTests
{
    private const string Body = """{"choices":[{"message":{"content":"café ☕ \u003C"}}],"usage":{"prompt_tokens":3,"completion_tokens":2}}""";

    [Fact]
    public void Store_BytesAndText_AreTheSameTextRow()
    {
        string db = LlmTestKit.TempDb();
        try
        {
            using (var store = LlmStore.Open(db))
            {
                store.PutResponse("old", "chat", "explainer", "e", "m", Body);                                      // as written before
                store.PutResponse("new", "chat", "explainer", "e", "m", System.Text.Encoding.UTF8.GetBytes(Body).AsMemory());

                Assert.True(store.TryGetResponseUtf8("old", out var oldBytes));
                Assert.Equal(Body, System.Text.Encoding.UTF8.GetString(oldBytes));
                Assert.True(store.TryGetResponse("new", out string newText));
                Assert.Equal(Body, newText);
                Assert.False(store.TryGetResponseUtf8("absent", out _));
            }
            using var conn = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db};Pooling=False");
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "SELECT group_concat(typeof(body)) FROM (SELECT body FROM responses ORDER BY key)";
            Assert.Equal("text,text", cmd.ExecuteScalar());
        }
        finally { LlmTestKit.DeleteDb(db); }
    }

    [Fact]
    public async Task ChatAsync_HitOnARowWrittenAsText_ReadsAsALiveAnswer()
    {
        await using var server = await LlmTestKit.Server(LlmTestKit.Script("naïve → answer"));
        string db = LlmTestKit.TempDb();
        try
        {
            var ask = new LlmChatRequest([LlmMessage.User("hi")]) { PromptVersion = "v1", Logprobs = true, TopLogprobs = 3 };
            string key;
            LlmChatResult live;
            using (var client = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db)))
            {
                var o = await client.ChatAsync(LlmRole.Explainer, ask, new LlmCallContext("r1"));
                (key, live) = (o.Info.CacheKey!, o.Value);
                Assert.Equal("naïve → answer", OpenAiWire.ParseChat(o.Raw!).Value.Content);   // Raw: the body, decoded when read
                // rewrite the row the way the string API stored it
                Assert.True(client.Store.TryGetResponse(key, out string stored));
                Assert.Equal(o.Raw, stored);
                client.Store.PutResponse(key, "chat", "explainer", "stand-in", "stand-in", stored);
            }
            server.ResetRecording();
            using (var again = LlmTestKit.Client(LlmTestKit.Options(server.BaseUrl, storePath: db)))
            {
                var hit = await again.ChatAsync(LlmRole.Explainer, ask, new LlmCallContext("r2"));
                Assert.True(hit.Info.FromCache);
                Assert.Equal(0, server.RequestCount);
                Assert.Equal("naïve → answer", hit.Value.Content);
                Assert.Equal(live.Logprobs!.Select(t => (t.Token, t.Logprob, t.Top.Count)), hit.Value.Logprobs!.Select(t => (t.Token, t.Logprob, t.Top.Count)));
                var s = again.Ledger.Summarize("r2");
                Assert.Equal(1, s.CachedCalls);
            }
        }
        finally { LlmTestKit.DeleteDb(db); }
    }
}
