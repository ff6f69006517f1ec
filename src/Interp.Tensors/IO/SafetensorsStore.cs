// One facade over a checkpoint that is either a single .safetensors file or a sharded set described by
// model.safetensors.index.json ({"metadata": {...}, "weight_map": {tensor: shard file}}). Shards are
// opened (and their headers validated) lazily, on first access to one of their tensors.
using System.Text.Json;

namespace Interp.Tensors.IO;

public sealed class SafetensorsStore : IDisposable
{
    public const string IndexFileName = "model.safetensors.index.json";
    public const string SingleFileName = "model.safetensors";

    private readonly string? _indexPath;                       // null for a single file
    private readonly Dictionary<string, string> _weightMap;    // tensor -> full shard path
    private readonly Dictionary<string, SafetensorsFile> _open = new(StringComparer.Ordinal);
    private readonly object _lock = new();
    private readonly string[] _names;
    private bool _disposed;

    /// <summary>The file that was opened: the index JSON, or the single safetensors file.</summary>
    public string Path { get; }

    public bool IsSharded => _indexPath is not null;

    /// <summary>Tensor names (index order for a sharded checkpoint, offset order for one file).</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>The index's "metadata" (non-string values as their JSON text), or the single file's "__metadata__".</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Full paths of the shard files (one entry for a single file).</summary>
    public IReadOnlyList<string> ShardFiles { get; }

    private SafetensorsStore(string path, string? indexPath, Dictionary<string, string> weightMap, string[] names,
        IReadOnlyDictionary<string, string> metadata, SafetensorsFile? single)
    {
        Path = path; _indexPath = indexPath; _weightMap = weightMap; _names = names; Metadata = metadata;
        ShardFiles = weightMap.Values.Distinct(StringComparer.Ordinal).ToArray();
        if (single is not null) _open[single.Path] = single;
    }

    /// <summary>
    /// Opens a single .safetensors file, an index JSON, or a directory holding either (model.safetensors.index.json,
    /// else model.safetensors; never another *.safetensors found there). Paths must be regular files.
    /// </summary>
    public static SafetensorsStore Open(string pathToFileOrIndexOrDirectory)
    {
        string p = System.IO.Path.GetFullPath(pathToFileOrIndexOrDirectory);
        if (Directory.Exists(p)) p = ResolveDirectory(p);
        if (!File.Exists(p)) throw new FileNotFoundException($"no safetensors file or index at '{p}'.", p);
        InputFiles.RequireRegular(p, "the checkpoint file");
        if (p.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return OpenIndex(p);

        var f = SafetensorsFile.Open(p);
        var map = f.Names.ToDictionary(n => n, _ => f.Path, StringComparer.Ordinal);
        return new SafetensorsStore(f.Path, null, map, f.Names.ToArray(), f.Metadata, f);
    }

    private static string ResolveDirectory(string dir)
    {
        string idx = System.IO.Path.Combine(dir, IndexFileName);
        if (File.Exists(idx)) return idx;
        string single = System.IO.Path.Combine(dir, SingleFileName);
        if (File.Exists(single)) return single;
        var files = Directory.GetFiles(dir, "*.safetensors").Select(System.IO.Path.GetFileName).ToArray();
        throw new FileNotFoundException(
            $"no {IndexFileName} or {SingleFileName} in '{dir}'" + (files.Length == 0 ? "." :
            $"; other files ({string.Join(", ", files.Take(5))}) are not opened in their place: pass the file path, or rename it to {SingleFileName}."));
    }

    private static SafetensorsStore OpenIndex(string indexPath)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(indexPath)); }
        catch (JsonException e) { throw new SafetensorsException(indexPath, null, $"the index is not valid JSON ({e.Message})", e); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(indexPath, null, $"the index must be a JSON object with a \"weight_map\"; found a JSON {root.ValueKind}.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var md) && md.ValueKind != JsonValueKind.Null)
            {
                if (md.ValueKind != JsonValueKind.Object)
                    throw new SafetensorsException(indexPath, null, $"\"metadata\" must be an object; found a JSON {md.ValueKind}.");
                foreach (var kv in md.EnumerateObject())
                    metadata[kv.Name] = kv.Value.ValueKind == JsonValueKind.String ? kv.Value.GetString()! : kv.Value.GetRawText();
            }
            if (!root.TryGetProperty("weight_map", out var wm))
                throw new SafetensorsException(indexPath, null, "the index has no \"weight_map\" (tensor name -> shard file).");
            if (wm.ValueKind != JsonValueKind.Object)
                throw new SafetensorsException(indexPath, null, $"\"weight_map\" must be an object; found a JSON {wm.ValueKind}.");

            string dir = System.IO.Path.GetDirectoryName(indexPath)!;
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            var names = new List<string>();
            foreach (var kv in wm.EnumerateObject())
            {
                if (kv.Value.ValueKind != JsonValueKind.String)
                    throw new SafetensorsException(indexPath, kv.Name, $"the weight_map value must be a shard file name; found {kv.Value.GetRawText()}.");
                string shard = kv.Value.GetString()!;
                if (shard.Length == 0 || shard is "." or ".." || System.IO.Path.GetFileName(shard) != shard || shard.Contains('\\'))
                    throw new SafetensorsException(indexPath, kv.Name, $"shard '{shard}' must be a plain file name in the index's directory.");
                if (!map.TryAdd(kv.Name, System.IO.Path.Combine(dir, shard)))
                    throw new SafetensorsException(indexPath, kv.Name, "the weight_map lists this tensor twice.");
                names.Add(kv.Name);
            }
            foreach (var shardPath in map.Values.Distinct(StringComparer.Ordinal))
                if (FileKinds.Of(shardPath) != FileKind.Regular)
                {
                    string first = map.First(kv => kv.Value == shardPath).Key;
                    throw new SafetensorsException(indexPath, first, $"the index maps this tensor to shard '{System.IO.Path.GetFileName(shardPath)}', which is {FileKinds.Describe(FileKinds.Of(shardPath))} in '{dir}' (a regular file is needed).");
                }
            return new SafetensorsStore(indexPath, indexPath, map, names.ToArray(), metadata, null);
        }
    }

    public bool Contains(string name) => _weightMap.ContainsKey(name);

    /// <summary>Full path of the file that holds <paramref name="name"/>.</summary>
    public string ShardOf(string name) =>
        _weightMap.TryGetValue(name, out var s) ? s : throw NotFound(name);

    /// <summary>Dtype, shape and byte range of a tensor (opens its shard if needed; reads no data).</summary>
    public SafetensorsTensorInfo Info(string name) => FileFor(name).Info(name);

    /// <summary>Copies one tensor out (F16/BF16 widened to F32), opening its shard on first use.</summary>
    public Tensor Load(string name) => FileFor(name).Load(name);

    /// <summary>Loads every tensor in Names order.</summary>
    public IEnumerable<(string Name, Tensor Tensor)> LoadAll()
    {
        foreach (var n in _names) yield return (n, Load(n));
    }

    private SafetensorsFile FileFor(string name)
    {
        string shard = ShardOf(name);
        SafetensorsFile f;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_open.TryGetValue(shard, out f!))
            {
                f = SafetensorsFile.Open(shard);
                _open[shard] = f;
            }
        }
        if (!f.Contains(name))
            throw new SafetensorsException(_indexPath ?? Path, name, $"the index maps this tensor to shard '{System.IO.Path.GetFileName(shard)}', but that shard does not contain it.");
        return f;
    }

    private KeyNotFoundException NotFound(string name)
    {
        var close = _names.Where(n => n.Contains(name, StringComparison.OrdinalIgnoreCase)).Take(3).Select(n => $"'{n}'");
        string hint = string.Join(", ", close);
        return new KeyNotFoundException($"tensor '{name}' is not in '{Path}' ({_names.Length} tensors{(hint.Length > 0 ? "; similar: " + hint : "")}).");
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var f in _open.Values) f.Dispose();
            _open.Clear();
        }
    }
}
