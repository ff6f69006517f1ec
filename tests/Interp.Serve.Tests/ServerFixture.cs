// A real server in this process (ServeHost, Kestrel on a loopback port) over a scratch folder, with HttpClients for
// no key, the read key and the admin key. Disposed at the end of the test class.
using System.Net.Http.Json;
using System.Text.Json;
using Interp.Host.Serve;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Interp.Serve.Tests;

public class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;
    public string Dir { get; } = Directory.CreateTempSubdirectory("interp-serve-").FullName;
    public string BaseUrl { get; private set; } = "";
    public HttpClient Anonymous { get; private set; } = null!;
    public HttpClient Reader { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public IServiceProvider Services => _app!.Services;

    public virtual string Config() => ServeTestEnv.WriteConfig(Dir);

    public async Task InitializeAsync()
    {
        ServeTestEnv.Init();
        int port = ServeTestEnv.FreePort();
        _app = ServeHost.Build(Config(), $"http://127.0.0.1:{port}", l => l.SetMinimumLevel(LogLevel.Warning));
        await _app.StartAsync();
        BaseUrl = $"http://127.0.0.1:{port}";
        Anonymous = Client(null);
        Reader = Client(ServeTestEnv.ReadKey);
        Admin = Client(ServeTestEnv.AdminKey);
    }

    public HttpClient Client(string? key)
    {
        var c = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null) c.DefaultRequestHeaders.Add("X-Api-Key", key);
        return c;
    }

    public async Task<JsonElement> SubmitAsync(string kind, object args)
    {
        var r = await Admin.PostAsJsonAsync("/api/jobs", new { kind, args });
        string body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == System.Net.HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<JsonElement> WaitJobAsync(long id, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var j = JsonDocument.Parse(await Reader.GetStringAsync($"/api/jobs/{id}")).RootElement.Clone();
            string state = j.GetProperty("state").GetString()!;
            if (state is "succeeded" or "failed" or "cancelled") return j;
            if (DateTime.UtcNow > until) throw new TimeoutException($"job {id} still {state} after {timeout}: {j}");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); }
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
