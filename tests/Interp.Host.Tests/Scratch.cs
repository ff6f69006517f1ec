// A throw-away folder with builders for the inputs the CLI reads: copies of the fixture checkpoints (config.json and
// model.safetensors edited as needed), raw safetensors files, a tiny SAE for gpt2-tiny, tokenizer.json files, token ids,
// FIFOs. Deleted on Dispose; never touches the fixtures themselves.
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Interp.Tensors;
using Interp.Tensors.IO;

namespace Interp.Host.Tests;

public sealed class Scratch : IDisposable
{
    public string Dir { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "interp-host-" + Guid.NewGuid().ToString("N")[..12]);

    public Scratch() => Directory.CreateDirectory(Dir);

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public string Write(string name, string text)
    {
        var p = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllText(p, text);
        return p;
    }

    public string WriteBytes(string name, byte[] bytes)
    {
        var p = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    public string Folder(string name) { var p = Path(name); Directory.CreateDirectory(p); return p; }

    /// <summary>A named pipe at <paramref name="name"/> (mkfifo); reading it would block until a writer appears.</summary>
    public string Fifo(string name)
    {
        var p = Path(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        using var proc = Process.Start(new ProcessStartInfo("mkfifo", [p]) { UseShellExecute = false })!;
        proc.WaitForExit();
        Assert.True(proc.ExitCode == 0 && File.Exists(p), $"mkfifo {p} failed");
        return p;
    }

    /// <summary>A copy of a fixture checkpoint (config.json + model.safetensors) in <paramref name="name"/>, with
    /// config.json edited by <paramref name="config"/> (set a key to null to remove it).</summary>
    public string Model(string name = "model", string fixture = "gpt2-tiny", Action<JsonObject>? config = null)
    {
        var dir = Folder(name);
        foreach (var f in new[] { "config.json", "model.safetensors" })
            File.Copy(System.IO.Path.Combine(CliHarness.Fixture(fixture), f), System.IO.Path.Combine(dir, f));
        if (config is not null) EditJson(System.IO.Path.Combine(dir, "config.json"), config);
        return dir;
    }

    public static void EditJson(string path, Action<JsonObject> edit)
    {
        var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(o);
        foreach (var k in o.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) o.Remove(k);
        File.WriteAllText(path, o.ToJsonString());
    }

    /// <summary>Rewrites a safetensors file from its tensors after <paramref name="edit"/> changed the name -> tensor map.</summary>
    public static void EditWeights(string path, Action<Dictionary<string, Tensor>> edit)
    {
        Dictionary<string, Tensor> ts;
        using (var f = SafetensorsFile.Open(path)) ts = f.Names.ToDictionary(n => n, f.Load, StringComparer.Ordinal);
        edit(ts);
        SafetensorsWriter.Write(path, ts.Select(kv => (kv.Key, kv.Value)));
        foreach (var t in ts.Values) t.Dispose();
    }

    /// <summary>Rewrites only the JSON header of a safetensors file (the data region is kept byte for byte).</summary>
    public static void EditHeader(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n))!.AsObject();
        edit(header);
        File.WriteAllBytes(path, RawSafetensors(header.ToJsonString(), bytes.AsSpan(8 + (int)n).ToArray()));
    }

    /// <summary>An 8-byte little-endian header length, the header (space-padded to 8 bytes) and the data.</summary>
    public static byte[] RawSafetensors(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header).ToList();
        while (h.Count % 8 != 0) h.Add((byte)' ');
        return BitConverter.GetBytes((long)h.Count).Concat(h).Concat(data).ToArray();
    }

    /// <summary>A TopK SAE for gpt2-tiny's residual stream (d_in 64, d_sae 32, k 4) with seeded random weights.</summary>
    public string Sae(string name = "sae", Action<JsonObject>? cfg = null, Action<Dictionary<string, Tensor>>? weights = null)
    {
        var dir = Folder(name);
        var rng = new System.Random(7);
        Tensor R(params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            return Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.2f).ToArray(), shape);
        }
        var ts = new Dictionary<string, Tensor> { ["W_enc"] = R(64, 32), ["b_enc"] = R(32), ["W_dec"] = R(32, 64), ["b_dec"] = R(64) };
        weights?.Invoke(ts);
        SafetensorsWriter.Write(System.IO.Path.Combine(dir, "sae_weights.safetensors"), ts.Select(kv => (kv.Key, kv.Value)));
        foreach (var t in ts.Values) t.Dispose();
        var c = new JsonObject
        {
            ["architecture"] = "topk", ["d_in"] = 64, ["d_sae"] = 32, ["k"] = 4, ["dtype"] = "float32", ["apply_b_dec_to_input"] = true,
            ["normalize_activations"] = "none", ["reshape_activations"] = "none", ["hook_name"] = "blocks.0.hook_resid_post", ["hook_layer"] = 0,
        };
        cfg?.Invoke(c);
        foreach (var k in c.Where(kv => kv.Value is null).Select(kv => kv.Key).ToList()) c.Remove(k);
        File.WriteAllText(System.IO.Path.Combine(dir, "cfg.json"), c.ToJsonString());
        return dir;
    }

    /// <summary>A word-level tokenizer.json over "w0".."w{n-1}" (whitespace-split), edited by <paramref name="edit"/>;
    /// returns the folder holding it.</summary>
    public string Tokenizer(string name = "tok", int n = 101, Action<JsonObject>? edit = null)
    {
        var vocab = new JsonObject();
        for (int i = 0; i < n; i++) vocab[$"w{i}"] = i;
        var o = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(),
            ["pre_tokenizer"] = new JsonObject { ["type"] = "WhitespaceSplit" },
            ["model"] = new JsonObject { ["type"] = "WordLevel", ["vocab"] = vocab, ["unk_token"] = "w0" },
        };
        edit?.Invoke(o);
        var dir = Folder(name);
        File.WriteAllText(System.IO.Path.Combine(dir, "tokenizer.json"), o.ToJsonString());
        return dir;
    }

    /// <summary>A model folder (gpt2-tiny) with a matching word-level tokenizer, for verbs that read text.</summary>
    public string ModelWithTokenizer(string name = "model", Action<JsonObject>? config = null)
    {
        var dir = Model(name, config: config);
        File.Copy(System.IO.Path.Combine(Tokenizer(name + "-tok"), "tokenizer.json"), System.IO.Path.Combine(dir, "tokenizer.json"));
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
