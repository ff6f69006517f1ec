// Mutated chat bodies (200,000 seeded random edits), ReadChat (fast pass + fallback) against the document reader alone.
using System.Text;
using Interp.Agent.Llm.Wire;

namespace Interp.Agent.Tests.Llm.Bodies;

public sealed class ChatReaderMutationTests
{
    [Fact]
    public void Mutations_SameVerdictAndValues()
    {
        var seeds = ((IEnumerable<object[]>)Interp.Agent.Tests.Llm.Parsing.ChatReaderTests.Bodies()).Select(r => (string)r[0]).Where(s => s.Length > 0).ToList();
        var rng = new Random(7);
        string[] pieces = ["null", "1", "-1e-5", "1.5", "\"a\"", "[]", "{}", "\"logprob\":", "\"token\":", ",", "\"content\":", "\"message\":", "\"usage\":", "\"choices\":", "\"top_logprobs\":", "\"tool_calls\":", "\"\\u00e9\"", "\"refusal\":", "\"finish_reason\":", "9999999999999999999999"];
        int checkedOk = 0, fails = 0;
        var problems = new List<string>();
        for (int i = 0; i < 200_000 && problems.Count < 5; i++)
        {
            var s = new StringBuilder(seeds[rng.Next(seeds.Count)]);
            int edits = 1 + rng.Next(3);
            for (int e = 0; e < edits && s.Length > 0; e++)
            {
                int at = rng.Next(s.Length);
                switch (rng.Next(3))
                {
                    case 0: s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(6))); break;
                    case 1: s.Insert(at, pieces[rng.Next(pieces.Length)]); break;
                    default: s.Remove(at, Math.Min(s.Length - at, 1 + rng.Next(4))).Insert(at, pieces[rng.Next(pieces.Length)]); break;
                }
            }
            var bytes = Encoding.UTF8.GetBytes(s.ToString());
            var (fast, fu) = OpenAiWire.ReadChat(bytes);
            var (doc, du) = OpenAiWire.ParseChatDocument(bytes);
            string? why = null;
            if (fast.Ok != doc.Ok) why = $"ok {fast.Ok} vs {doc.Ok} ({doc.Error})";
            else if (!doc.Ok && fast.Error != doc.Error) why = "error text";
            else if (doc.Ok)
            {
                var (a, b) = (doc.Value, fast.Value);
                if ((a.Content, a.Refusal, a.FinishReason, a.Model) != (b.Content, b.Refusal, b.FinishReason, b.Model)) why = "fields";
                else if (a.ToolCalls.Count != b.ToolCalls.Count) why = "tools";
                else if ((a.Logprobs is null) != (b.Logprobs is null)) why = "lps null";
                else if (a.Logprobs is not null && !a.Logprobs.Select(t => (t.Token, t.Logprob, string.Join("|", t.Top))).SequenceEqual(b.Logprobs!.Select(t => (t.Token, t.Logprob, string.Join("|", t.Top))))) why = "lps";
                else if (du != fu) why = $"usage {du} vs {fu}";
                checkedOk++;
            }
            else fails++;
            if (why is not null) problems.Add(why + " :: " + s);
        }
        Assert.True(problems.Count == 0, $"ok {checkedOk} fail {fails}\n" + string.Join("\n", problems));
    }
}
