// Malformed model.safetensors files (and shard indexes), read by `interp run`: each must name the file and the part at
// fault (header, tensor, dtype, offsets) and exit 2.
using System.Text.Json.Nodes;
using Interp.Tensors;

namespace Interp.Host.Tests.Malformed;

public static class SafetensorsCases
{
    private const string Wte = "wte.weight";

    private static MalformedCase C(string name, Func<Scratch, Invocation> arrange, params string[] expect) => new("safetensors", name, arrange, expect);

    /// <summary>gpt2-tiny with model.safetensors replaced by <paramref name="bytes"/>.</summary>
    private static Invocation Replaced(Scratch s, byte[] bytes)
    {
        var m = s.Model();
        File.WriteAllBytes(Path.Combine(m, "model.safetensors"), bytes);
        return Cmd.Run(s, m);
    }

    private static Invocation Header(Scratch s, Action<JsonObject> edit)
    {
        var m = s.Model();
        Scratch.EditHeader(Path.Combine(m, "model.safetensors"), edit);
        return Cmd.Run(s, m);
    }

    private static Invocation Weights(Scratch s, Action<Dictionary<string, Tensor>> edit, params string[] extra)
    {
        var m = s.Model();
        Scratch.EditWeights(Path.Combine(m, "model.safetensors"), edit);
        return Cmd.Run(s, m, extra);
    }

    private static void SetFirst(Dictionary<string, Tensor> ts, string name, float value)
    {
        var t = ts[name];
        var a = t.ToArray();
        a[3] = value;
        ts[name] = Tensor.FromArray(a, t.Shape);
        t.Dispose();
    }

    public static IEnumerable<MalformedCase> All()
    {
        yield return C("empty file", s => Replaced(s, []), "model.safetensors", "8-byte");
        yield return C("seven bytes", s => Replaced(s, [1, 2, 3, 4, 5, 6, 7]), "model.safetensors", "7 bytes");
        yield return C("header length beyond the file", s => Replaced(s, Scratch.RawSafetensors("{}", []).Select((b, i) => i == 0 ? (byte)200 : b).ToArray()), "model.safetensors", "header length");
        yield return C("header length over the format's limit", s => Replaced(s, BitConverter.GetBytes(long.MaxValue).Concat(new byte[16]).ToArray()), "model.safetensors", "header length");
        yield return C("header not UTF-8", s => Replaced(s, BitConverter.GetBytes(8L).Concat(new byte[] { 0xff, 0xfe, 0xfd, 0xfc, 0x20, 0x20, 0x20, 0x20 }).ToArray()), "model.safetensors", "UTF-8");
        yield return C("header not JSON", s => Replaced(s, Scratch.RawSafetensors("not json", [])), "model.safetensors", "JSON");
        yield return C("header a JSON array", s => Replaced(s, Scratch.RawSafetensors("[1, 2]", [])), "model.safetensors", "object");
        yield return C("tensor without dtype", s => Header(s, h => h[Wte]!.AsObject().Remove("dtype")), "model.safetensors", Wte, "dtype");
        yield return C("unknown dtype", s => Header(s, h => h[Wte]!["dtype"] = "X9"), "model.safetensors", Wte, "X9");
        yield return C("dtype U8 for a weight", s => Header(s, h =>
        {
            var e = h[Wte]!.AsObject();
            var shape = e["shape"]!.AsArray();
            shape[1] = (int)shape[1]! * 4;   // same byte length as the F32 data
            e["dtype"] = "U8";
        }), "model.safetensors", Wte, "U8");
        yield return C("I32-labelled weight (same byte size)", s => Header(s, h => h[Wte]!["dtype"] = "I32"), "model.safetensors", Wte, "I32", "floating point");
        yield return C("I64-labelled weight", s => Header(s, h =>
        {
            var e = h[Wte]!.AsObject();
            e["dtype"] = "I64";
            var shape = e["shape"]!.AsArray();
            shape[1] = (int)shape[1]! / 2;
        }), "model.safetensors", Wte, "I64");
        yield return C("negative shape", s => Header(s, h => h[Wte]!["shape"]![0] = -1), "model.safetensors", Wte, "shape");
        yield return C("shape not an array", s => Header(s, h => h[Wte]!["shape"] = "big"), "model.safetensors", Wte, "shape");
        yield return C("data_offsets reversed", s => Header(s, h =>
        {
            var o = h[Wte]!["data_offsets"]!.AsArray();
            (o[0], o[1]) = (o[1]!.DeepClone(), o[0]!.DeepClone());
        }), "model.safetensors", Wte, "offsets");
        yield return C("data_offsets not two numbers", s => Header(s, h => h[Wte]!["data_offsets"] = new JsonArray(0)), "model.safetensors", Wte, "data_offsets");
        yield return C("byte range not numel times size", s => Header(s, h => h[Wte]!["shape"]![0] = 100), "model.safetensors", Wte);
        yield return C("tensor name given twice", s =>
        {
            var m = s.Model();
            var p = Path.Combine(m, "model.safetensors");
            var bytes = File.ReadAllBytes(p);
            long n = BitConverter.ToInt64(bytes, 0);
            string header = System.Text.Encoding.UTF8.GetString(bytes, 8, (int)n).TrimEnd();
            var first = JsonNode.Parse(header)!.AsObject().First(kv => kv.Key != "__metadata__");
            header = header[..^1] + $", \"{first.Key}\": {first.Value!.ToJsonString()}}}";
            File.WriteAllBytes(p, Scratch.RawSafetensors(header, bytes.AsSpan(8 + (int)n).ToArray()));
            return Cmd.Run(s, m);
        }, "model.safetensors", "twice");
        yield return C("truncated data region", s =>
        {
            var m = s.Model();
            var p = Path.Combine(m, "model.safetensors");
            var bytes = File.ReadAllBytes(p);
            File.WriteAllBytes(p, bytes[..^100]);
            return Cmd.Run(s, m);
        }, "model.safetensors");
        yield return C("trailing bytes after the data", s =>
        {
            var m = s.Model();
            File.AppendAllText(Path.Combine(m, "model.safetensors"), "garbage!");
            return Cmd.Run(s, m);
        }, "model.safetensors");
        yield return C("__metadata__ with a number", s => Header(s, h => h["__metadata__"] = new JsonObject { ["format"] = 5 }), "model.safetensors", "__metadata__");
        yield return C("NaN in a weight", s => Weights(s, ts => SetFirst(ts, Wte, float.NaN)), "model.safetensors", Wte, "NaN", "--allow-nonfinite");
        yield return C("+Inf in a weight", s => Weights(s, ts => SetFirst(ts, "h.0.mlp.c_fc.weight", float.PositiveInfinity)), "model.safetensors", "h.0.mlp.c_fc.weight", "Inf");
        yield return C("missing tensor", s => Weights(s, ts => { ts["ln_f.bias"].Dispose(); ts.Remove("ln_f.bias"); }), "ln_f.bias", "lacks");
        yield return C("unexpected extra tensor", s => Weights(s, ts => ts["h.0.extra.weight"] = Tensor.Zeros(2)), "h.0.extra.weight");
        yield return C("tensor of the wrong shape", s => Weights(s, ts => { var t = ts["ln_f.weight"]; ts["ln_f.weight"] = Tensor.Ones(63); t.Dispose(); }), "ln_f.weight", "[63]");
        yield return C("model.safetensors is a directory", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "model.safetensors"));
            Directory.CreateDirectory(Path.Combine(m, "model.safetensors"));
            return Cmd.Run(s, m);
        }, "model.safetensors", "directory");
        yield return C("model.safetensors is a FIFO (must not hang)", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "model.safetensors"));
            s.Fifo(Path.Combine(Path.GetFileName(m), "model.safetensors"));
            return Cmd.Run(s, m);
        }, "model.safetensors", "FIFO");
        yield return C("model.safetensors is a dangling link", s =>
        {
            var m = s.Model();
            File.Delete(Path.Combine(m, "model.safetensors"));
            File.CreateSymbolicLink(Path.Combine(m, "model.safetensors"), Path.Combine(m, "gone.safetensors"));
            return Cmd.Run(s, m);
        }, "model.safetensors");
        yield return C("only another *.safetensors in the folder (never opened instead)", s =>
        {
            var m = s.Model();
            File.Move(Path.Combine(m, "model.safetensors"), Path.Combine(m, "reference.safetensors"));
            return Cmd.Run(s, m);
        }, "model.safetensors", "reference.safetensors");
        yield return C("sharded index not JSON", s =>
        {
            var m = s.Model();
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"), "{ nope");
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "JSON");
        yield return C("sharded index without weight_map", s =>
        {
            var m = s.Model();
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"), """{"metadata": {}}""");
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "weight_map");
        yield return C("sharded index names a missing shard", s =>
        {
            var m = s.Model();
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"), "{\"weight_map\": {\"" + Wte + "\": \"model-00001-of-00002.safetensors\"}}");
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "model-00001-of-00002.safetensors", Wte);
        yield return C("sharded index escapes its folder", s =>
        {
            var m = s.Model();
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"), "{\"weight_map\": {\"" + Wte + "\": \"../model/model.safetensors\"}}");
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "plain file name");
        yield return C("sharded index maps a tensor to a shard without it", s =>
        {
            var m = s.Model();
            string[] names;
            using (var f = Interp.Tensors.IO.SafetensorsFile.Open(Path.Combine(m, "model.safetensors"))) names = f.Names.ToArray();
            Interp.Tensors.IO.SafetensorsWriter.Write(Path.Combine(m, "other.safetensors"), new[] { ("x", Tensor.Zeros(1)) });
            var map = new JsonObject();
            foreach (var n in names) map[n] = n == "ln_f.bias" ? "other.safetensors" : "model.safetensors";
            File.WriteAllText(Path.Combine(m, "model.safetensors.index.json"), new JsonObject { ["weight_map"] = map }.ToJsonString());
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "ln_f.bias", "other.safetensors");
        yield return C("sharded index is a directory", s =>
        {
            var m = s.Model();
            Directory.CreateDirectory(Path.Combine(m, "model.safetensors.index.json"));
            return Cmd.Run(s, m);
        }, "model.safetensors.index.json", "directory");
    }
}
