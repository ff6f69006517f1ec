// The web UI in Debian's headless Chromium driven by Playwright (ExecutablePath /usr/bin/chromium, nothing downloaded):
// every page renders with no console errors or failed requests; search → feature page → highlighted examples; a job
// submitted from the jobs page is watched live until it succeeds; a label job submitted there shows its progress part-way
// and its label then appears on the feature page; a failed job offers retry, and a retry after the input is fixed succeeds;
// the chat page shows the tool call and the answer
// (stand-in LLM); the drift page shows a suite's runs. Screenshots go to artifacts/serve-tests/screenshots/. When
// /usr/bin/chromium is absent the tests say so and pass without a browser (.ci/run installs it).
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Interp.Serve.Tests.Ui;

[Collection(ServeCollection.Name)]
public sealed class UiBrowserTests(LabeledServerFixture f, ITestOutputHelper output) : IClassFixture<LabeledServerFixture>
{
    private const string Chromium = "/usr/bin/chromium";
    private ServerFixture S => f.Server;
    private static string Shots { get { var d = Path.Combine(ServeTestEnv.Artifacts, "screenshots"); Directory.CreateDirectory(d); return d; } }

    private async Task WithPage(Func<IPage, List<string>, Task> body)
    {
        if (!File.Exists(Chromium)) { output.WriteLine($"skipped: {Chromium} is absent (apt-get install -y chromium)"); return; }
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1200, Height = 900 } });
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        // an event stream the page closes itself (EventSource.close() after `end`) is reported as aborted: not an error
        page.RequestFailed += (_, r) => { if (!(r.Url.EndsWith("/events") && r.Failure == "net::ERR_ABORTED")) errors.Add($"request failed: {r.Url} ({r.Failure})"); };
        page.Response += (_, r) => { if (r.Status >= 400) errors.Add($"{r.Status} {r.Url}"); };
        try { await body(page, errors); }
        catch
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "failure-" + Guid.NewGuid().ToString("N")[..6] + ".png"), FullPage = true });
            output.WriteLine(string.Join("\n", errors));
            output.WriteLine(await page.ContentAsync());
            throw;
        }
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public Task Search_ThenFeaturePage_HighlightedExamplesAndHistogram() => WithPage(async (page, errors) =>
    {
        await page.GotoAsync(S.BaseUrl + "/");
        await page.FillAsync("#q", "colours of things");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForSelectorAsync("a.hit");
        Assert.StartsWith("colours of things", await page.Locator("table.hits tr:nth-child(2) td:nth-child(2)").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "search.png"), FullPage = true });
        await page.Locator("a.hit").First.ClickAsync();
        await page.WaitForSelectorAsync("h1");
        Assert.Contains("· feature", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("colours of things", await page.Locator(".labels").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "feature-search-hit.png"), FullPage = true });

        // a feature that fires often in the toy cache: histogram bars and highlighted tokens, laid out
        await page.GotoAsync(S.BaseUrl + $"/features/{ServeTestEnv.Sae}/{BusyFeature()}");
        Assert.True(await page.Locator("svg.hist rect").CountAsync() > 0);
        var box = await page.Locator("svg.hist").BoundingBoxAsync();
        Assert.True(box is { Width: > 100, Height: > 50 });
        Assert.True(await page.Locator(".examples.top .tok.on").CountAsync() > 0);
        Assert.True(await page.Locator(".examples.top .tok.peak").CountAsync() > 0);
        string bg = await page.Locator(".examples.top .tok.peak").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor");
        Assert.Matches(@"^rgba?\(255, 140, 0", bg);                                  // orange, alpha by activation (1 at the max)
        Assert.True(await page.Locator(".neighbours li").CountAsync() == 8);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "feature.png"), FullPage = true });
    });

    /// <summary>The feature with the most activations among 0..63 (read from the API, so the test needs no constant).</summary>
    private int BusyFeature()
    {
        int best = 0; long most = -1;
        for (int i = 0; i < 64; i++)
        {
            var v = System.Text.Json.JsonDocument.Parse(S.Reader.GetStringAsync($"/api/saes/{ServeTestEnv.Sae}/features/{i}?neighbours=0").Result).RootElement;
            long c = v.GetProperty("stats").GetProperty("count").GetInt64();
            if (c > most) (best, most) = (i, c);
        }
        Assert.True(most > 0);
        return best;
    }

    [Fact]
    public Task Jobs_SubmitFromPage_WatchedLiveUntilSucceeded() => WithPage(async (page, errors) =>
    {
        await page.GotoAsync(S.BaseUrl + "/jobs");
        await page.FillAsync("#apikey", ServeTestEnv.AdminKey);
        await page.DispatchEventAsync("#apikey", "change");
        await page.SelectOptionAsync("#kind", "eval");
        await page.FillAsync("#args", "{\"suite\": \"toy-gt\"}");
        await page.ClickAsync("#submit button[type=submit]");
        await page.WaitForSelectorAsync("#submit-status:has-text('submitted job')");
        string id = (await page.Locator("#submit-status").InnerTextAsync()).Split(' ')[^1];
        await page.WaitForSelectorAsync($"#job-{id}[data-state=running], #job-{id}[data-state=succeeded]", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "jobs-running.png"), FullPage = true });
        await page.WaitForSelectorAsync($"#job-{id}[data-state=succeeded]", new() { Timeout = 120_000 });
        Assert.Contains("accuracy", await page.Locator("#log").InnerTextAsync());      // log lines arrived over SSE
        Assert.Equal("2/2", await page.Locator($"#job-{id} .count").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "jobs-done.png"), FullPage = true });
    });

    [Fact]
    public Task Jobs_FailedJobOffersRetry_AfterTheInputIsFixedRetrySucceeds() => WithPage(async (page, errors) =>
    {
        string records = Path.Combine(S.Dir, "retry-records.jsonl");
        File.WriteAllText(records, "{\"feature\": \"not a record\"}\n");
        await page.GotoAsync(S.BaseUrl + "/jobs");
        await page.FillAsync("#apikey", ServeTestEnv.AdminKey);
        await page.DispatchEventAsync("#apikey", "change");
        await page.SelectOptionAsync("#kind", "index");
        await page.FillAsync("#args", JsonSerializer.Serialize(new { records }));
        await page.ClickAsync("#submit button[type=submit]");
        await page.WaitForSelectorAsync("#submit-status:has-text('submitted job')");
        string id = (await page.Locator("#submit-status").InnerTextAsync()).Split(' ')[^1];
        await page.WaitForSelectorAsync($"#job-{id}[data-state=failed]", new() { Timeout = 60_000 });
        Assert.True(await page.Locator($"#job-{id} [data-retry]").IsVisibleAsync());       // a failed job offers retry, not cancel
        Assert.False(await page.Locator($"#job-{id} [data-cancel]").IsVisibleAsync());
        Assert.NotEqual("", await page.Locator($"#job-{id} td:nth-child(5)").InnerTextAsync());   // with its reason

        File.WriteAllLines(records, File.ReadLines(Path.Combine(S.Dir, "records.jsonl")).Take(1));   // the input fixed
        await page.ClickAsync($"#job-{id} [data-retry]");
        await page.WaitForSelectorAsync($"#job-{id}[data-state=succeeded]", new() { Timeout = 60_000 });
        Assert.False(await page.Locator($"#job-{id} [data-retry]").IsVisibleAsync());
        var runs = JsonDocument.Parse(await S.Reader.GetStringAsync($"/api/jobs/{id}/runs")).RootElement;
        Assert.Equal(["failed", "succeeded"], runs.EnumerateArray().Select(r => r.GetProperty("outcome").GetString()!.Split(' ')[0]));
    });

    [Fact]
    public Task Jobs_LabelJobFromPage_LiveProgressToSucceeded_ThenFeaturePageShowsItsLabel() => WithPage(async (page, errors) =>
    {
        await page.GotoAsync(S.BaseUrl + "/jobs");
        await page.FillAsync("#apikey", ServeTestEnv.AdminKey);
        await page.DispatchEventAsync("#apikey", "change");
        // every text the progress counters show, as the page updates them from the event stream
        await page.EvaluateAsync("""
            () => { window.__counts = []; new MutationObserver(() => { for (const c of document.querySelectorAll('#jobs .count')) window.__counts.push(c.textContent); })
                      .observe(document.querySelector('#jobs'), { subtree: true, childList: true, characterData: true }); }
            """);
        await page.SelectOptionAsync("#kind", "label");
        await page.FillAsync("#args", $$"""{"sae": "{{ServeTestEnv.Sae}}", "features": "100-299", "scorers": ["simulation"], "resamples": 200, "concurrency": 1}""");
        await page.ClickAsync("#submit button[type=submit]");
        await page.WaitForSelectorAsync("#submit-status:has-text('submitted job')");
        string id = (await page.Locator("#submit-status").InnerTextAsync()).Split(' ')[^1];
        await page.WaitForSelectorAsync($"#job-{id}[data-state=running]", new() { Timeout = 60_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "label-job-running.png"), FullPage = true });
        await page.WaitForSelectorAsync($"#job-{id}[data-state=succeeded]", new() { Timeout = 180_000 });
        Assert.Equal("200/200", await page.Locator($"#job-{id} .count").InnerTextAsync());
        var counts = await page.EvaluateAsync<string[]>("() => window.__counts");
        // seen part-way: live progress (200 features with the fixture's 20 ms step pause take ≥ 4 s: many of the event stream's 0.3 s ticks)
        Assert.Contains(counts, c => c.EndsWith("/200") && int.Parse(c.Split('/')[0]) is > 0 and < 200);
        string log = await page.Locator("#log").InnerTextAsync();                 // the run's log lines arrived over SSE
        Assert.Contains("200/200 (100.0%)", log);
        Assert.Contains("indexed 200 records", log);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "label-job-done.png"), FullPage = true });

        // the feature page shows the label the job wrote (read from the API: the run's record, indexed)
        int feature = Enumerable.Range(100, 200).First(i => Label(i) is not null);
        await page.GotoAsync(S.BaseUrl + $"/features/{ServeTestEnv.Sae}/{feature}");
        Assert.Contains(Label(feature)!, await page.Locator(".labels").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "feature-labeled-by-job.png"), FullPage = true });
    });

    private string? Label(int feature)
    {
        var v = System.Text.Json.JsonDocument.Parse(S.Reader.GetStringAsync($"/api/saes/{ServeTestEnv.Sae}/features/{feature}?neighbours=0").Result).RootElement;
        var labels = v.GetProperty("labels");
        return labels.GetArrayLength() == 0 ? null : labels[0].GetProperty("text").GetString();
    }

    [Fact]
    public Task Chat_ShowsToolCallAndAnswer() => WithPage(async (page, errors) =>
    {
        await page.GotoAsync(S.BaseUrl + "/chat");
        await page.FillAsync("#apikey", ServeTestEnv.AdminKey);
        await page.DispatchEventAsync("#apikey", "change");
        await page.FillAsync("#question", "What are the tokens of 'Anna gave the ball to Ben'?");
        await page.ClickAsync("#ask button");
        await page.WaitForSelectorAsync(".msg-assistant:has-text('Those are the tokens of the sentence.')", new() { Timeout = 60_000 });
        var tools = await page.Locator(".msg-tool").AllInnerTextsAsync();
        Assert.Contains(tools, t => t.StartsWith("→ tokenize"));
        Assert.Contains(tools, t => t.StartsWith("← tokenize") && t.Contains("Anna"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "chat.png"), FullPage = true });
    });

    [Fact]
    public Task Drift_ShowsRunsWithIntervals() => WithPage(async (page, errors) =>
    {
        for (int i = 0; i < 2; i++)
        {
            var j = await S.SubmitAsync("eval", new { suite = "toy-gt" });
            await S.WaitJobAsync(j.GetProperty("id").GetInt64(), TimeSpan.FromMinutes(2));
        }
        await page.GotoAsync(S.BaseUrl + "/drift");
        Assert.True(await page.Locator("#suite-toy-gt table.drift tr").CountAsync() >= 4);
        Assert.True(await page.Locator("#suite-toy-gt svg.drift circle").CountAsync() >= 2 * 4);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Shots, "drift.png"), FullPage = true });
    });
}
