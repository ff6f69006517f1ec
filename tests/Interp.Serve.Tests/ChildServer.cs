// `interp serve` as a real child process (dotnet interp.dll serve --config F --urls U), for the tests that kill it
// (SIGKILL) or stop it (SIGTERM) and start it again on the same files.
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Interp.Serve.Tests;

public sealed class ChildServer : IAsyncDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _err = new();
    public string BaseUrl { get; }
    public HttpClient Admin { get; }
    public int Pid => _p.Id;
    public string Stderr { get { lock (_err) return _err.ToString(); } }

    private ChildServer(Process p, string url)
    {
        _p = p;
        BaseUrl = url;
        Admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", ServeTestEnv.AdminKey);
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_err) _err.AppendLine(e.Data); };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
    }

    public static async Task<ChildServer> StartAsync(string config, IReadOnlyDictionary<string, string>? env = null)
    {
        ServeTestEnv.Init();
        string url = $"http://127.0.0.1:{ServeTestEnv.FreePort()}";
        var psi = new ProcessStartInfo("dotnet", [ServeTestEnv.InterpDll, "serve", "--config", config, "--urls", url])
            { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = Path.GetDirectoryName(config)! };
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        var s = new ChildServer(Process.Start(psi)!, url);
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try { if ((await s.Admin.GetAsync("/healthz")).IsSuccessStatusCode) return s; }
            catch (HttpRequestException) { }
            if (s._p.HasExited || DateTime.UtcNow > until) throw new InvalidOperationException($"serve did not start:\n{s.Stderr}");
            await Task.Delay(200);
        }
    }

    public async Task<JsonElement> JobAsync(long id) => JsonDocument.Parse(await Admin.GetStringAsync($"/api/jobs/{id}")).RootElement.Clone();

    public async Task<long> SubmitAsync(string kind, object args)
    {
        var r = await Admin.PostAsJsonAsync("/api/jobs", new { kind, args });
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetInt64();
    }

    /// <summary>Waits until <paramref name="until"/> holds for the job (polling its status).</summary>
    public async Task<JsonElement> WaitAsync(long id, Func<JsonElement, bool> until, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (true)
        {
            var j = await JobAsync(id);
            if (until(j)) return j;
            if (DateTime.UtcNow > end) throw new TimeoutException($"job {id}: condition not met in {timeout}: {j}\n{Stderr}");
            await Task.Delay(100);
        }
    }

    public void KillHard() { _p.Kill(); _p.WaitForExit(); }

    /// <summary>Sends SIGTERM and returns how long the process took to exit, and its exit code.</summary>
    public (TimeSpan Took, int Code) Terminate(TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _p.Id.ToString()])!) kill.WaitForExit();
        if (!_p.WaitForExit(limit)) { _p.Kill(); throw new TimeoutException($"serve did not exit within {limit} of SIGTERM:\n{Stderr}"); }
        return (sw.Elapsed, _p.ExitCode);
    }

    public ValueTask DisposeAsync()
    {
        if (!_p.HasExited) { _p.Kill(); _p.WaitForExit(); }
        _p.Dispose();
        Admin.Dispose();
        return ValueTask.CompletedTask;
    }
}
