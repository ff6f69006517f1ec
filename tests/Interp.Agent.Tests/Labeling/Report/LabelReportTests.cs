// The HTML report of a real run (toy cache): rendered in Debian's headless Chromium through Playwright — it loads, logs no
// console errors, and shows the score distributions, the real-vs-shuffled plot, activation histograms and highlighted
// examples. Skipped, with the reason printed, only when /usr/bin/chromium is absent.
using Interp.Agent.Labeling;
using Interp.Agent.Labeling.Report;
using Interp.Agent.Scoring;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Interp.Agent.Tests.Labeling.Report;

[Collection(ToyCacheCollection.Name)]
public sealed class LabelReportTests(ToyCacheFixture fx, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    private async Task<string> ReportOfARun()
    {
        var req = new LabelingRequest(ToyCacheFixture.ModelDir, ToyCacheFixture.SaeDir, fx.CachePath, fx.File("report-run.db"), "0-29",
            Scorers: [ScoreMethods.Simulation, ScoreMethods.Detection], Shuffled: [ScoreMethods.Simulation], Resamples: 200);
        using var job = LabelingJob.Prepare(req);
        await job.RunAsync();
        var path = fx.File("report.html");
        LabelReport.Write(job.Store, path, detail: 12);
        return path;
    }

    [Fact]
    public async Task Render_ToyRun_SelfContainedWithEveryPlotKind()
    {
        var html = File.ReadAllText(await ReportOfARun());
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);
        foreach (var cls in new[] { "score-dist", "score-ci", "shuffled-plot", "act-hist" }) Assert.Contains($"class=\"plot {cls}\"", html);
        Assert.Contains("real beats shuffled on", html);
        Assert.Contains("class=\"tok on\"", html);
        Assert.Equal(12, html.Split("<article class=\"feature\"").Length - 1);
    }

    [Fact]
    public async Task Render_InHeadlessChromium_NoConsoleErrorsAndPlotsPresent()
    {
        if (!File.Exists(Chromium))
        {
            output.WriteLine($"SKIPPED: {Chromium} is absent (apt-get install -y chromium); the report was not rendered in a browser.");
            Console.WriteLine($"[skip] LabelReportTests: {Chromium} is absent; install chromium to run the browser check.");
            return;
        }
        var path = await ReportOfARun();
        using var pw = await Playwright.CreateAsync();
        await using var browser = await pw.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium, Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        page.RequestFailed += (_, r) => errors.Add("request failed: " + r.Url);
        var resp = await page.GotoAsync(new Uri(path).AbsoluteUri);
        Assert.NotNull(resp);
        Assert.True(resp!.Ok);
        Assert.StartsWith("Labeling run", await page.TitleAsync());
        Assert.True(await page.Locator("svg.score-dist").CountAsync() >= 2);
        Assert.True(await page.Locator("svg.score-ci").CountAsync() >= 2);
        Assert.Equal(1, await page.Locator("svg.shuffled-plot").CountAsync());
        Assert.Equal(12, await page.Locator("svg.act-hist").CountAsync());
        Assert.True(await page.Locator("svg.score-dist rect.bar").CountAsync() > 0);
        Assert.True(await page.Locator("svg.shuffled-plot circle.pt").CountAsync() > 10);
        Assert.True(await page.Locator("span.tok.on").CountAsync() > 10);
        // the plots have a laid-out size (rendered, not just present in the markup)
        var box = await page.Locator("svg.score-dist").First.BoundingBoxAsync();
        Assert.True(box is { Width: > 100, Height: > 50 }, $"score plot box {box?.Width}x{box?.Height}");
        Assert.Empty(errors);
    }
}
