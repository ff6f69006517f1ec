// An ordered set of JSON fields for one benchmark line; printed as a single JSON object per line so the
// output can be compared line by line with the PyTorch reference script's.
using System.Text;
using System.Text.Json;

namespace Interp.Host.Bench;

public sealed class BenchRecord
{
    private readonly List<(string Key, object Value)> _fields = new();

    public BenchRecord Add(string key, object value)
    {
        _fields.RemoveAll(f => f.Key == key);
        _fields.Add((key, value));
        return this;
    }

    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var (key, value) in _fields)
            {
                switch (value)
                {
                    case string s: w.WriteString(key, s); break;
                    case int i: w.WriteNumber(key, i); break;
                    case long l: w.WriteNumber(key, l); break;
                    case double d: w.WriteNumber(key, d); break;
                    case bool b: w.WriteBoolean(key, b); break;
                    default: w.WriteString(key, value.ToString()); break;
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
