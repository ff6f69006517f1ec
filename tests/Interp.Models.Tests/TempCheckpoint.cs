// A throw-away copy of a fixture checkpoint in a fresh temp folder, for tests that break config.json or
// rewrite model.safetensors. Deleted on Dispose; never touches the fixtures themselves.
using System.Text.Json.Nodes;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Models.Tests;

public sealed class TempCheckpoint : IDisposable
{
    public string Dir { get; }
    public string ConfigPath => Path.Combine(Dir, "config.json");
    public string WeightsPath => Path.Combine(Dir, "model.safetensors");

    public TempCheckpoint(string fixture)
    {
        Dir = Path.Combine(Path.GetTempPath(), "interp-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(Path.Combine(Fixture.Dir(fixture), f), Path.Combine(Dir, f));
    }

    /// <summary>Edits config.json as a JSON object (set a value to null to remove the key).</summary>
    public TempCheckpoint EditConfig(Action<JsonObject> edit)
    {
        var o = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        edit(o);
        File.WriteAllText(ConfigPath, o.ToJsonString());
        return this;
    }

    /// <summary>Rewrites model.safetensors from its tensors after <paramref name="edit"/> changed the name -> tensor map.</summary>
    public TempCheckpoint EditWeights(Action<Dictionary<string, Tensor>> edit)
    {
        Dictionary<string, Tensor> ts;
        using (var f = SafetensorsFile.Open(WeightsPath))
            ts = f.Names.ToDictionary(n => n, f.Load, StringComparer.Ordinal);
        edit(ts);
        SafetensorsWriter.Write(WeightsPath, ts.Select(kv => (kv.Key, kv.Value)));
        foreach (var t in ts.Values) t.Dispose();
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
