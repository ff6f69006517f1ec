// One versioned prompt template from prompts/*.prompt: a header (name, version, description, placeholders) and a
// sequence of chat messages whose text holds {{placeholder}} slots. Parsing checks that every slot is declared and
// every declared placeholder is used; rendering checks that every placeholder gets a value. Not the example formats
// (ActivationFormats) nor the renderers for each task (LabelingPrompts).
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Interp.Agent.Prompts;

public sealed record PromptMessage(string Role, string Content);

/// <summary>A rendered prompt: the chat messages to send and the template it came from.</summary>
/// <param name="TemplateId">"name@version", stored with every result made from this prompt</param>
/// <param name="CacheKey">"name@version#hash": TemplateId plus a hash of the template file, for the response-cache key</param>
public sealed record RenderedPrompt(string TemplateId, string CacheKey, IReadOnlyList<PromptMessage> Messages)
{
    /// <summary>The messages as plain text ("=== role ===" then the content), as the golden files hold them.</summary>
    public string ToText() => string.Concat(Messages.Select(m => $"=== {m.Role} ===\n{m.Content}\n"));
}

public sealed partial class PromptTemplate
{
    private static readonly string[] Roles = ["system", "user", "assistant"];
    private readonly IReadOnlyList<PromptMessage> _messages;

    public string Name { get; }
    public int Version { get; }
    public string Description { get; }
    public IReadOnlyList<string> Placeholders { get; }
    /// <summary>"name@version": what results record as their prompt version.</summary>
    public string Id => $"{Name}@{Version}";
    /// <summary>First 12 hex digits of SHA-256 of the template file: changes with any edit, even without a version bump.</summary>
    public string Hash { get; }

    private PromptTemplate(string name, int version, string description, IReadOnlyList<string> placeholders,
        IReadOnlyList<PromptMessage> messages, string hash)
    {
        (Name, Version, Description, Placeholders, _messages, Hash) = (name, version, description, placeholders, messages, hash);
    }

    /// <summary>Parses a template file's text. Format: `key: value` header lines (name, version, description,
    /// placeholders as a comma list), then messages, each opened by a line `=== role ===` (system, user, assistant).
    /// Throws InvalidDataException naming <paramref name="source"/> and the line.</summary>
    public static PromptTemplate Parse(string text, string source)
    {
        text = text.Replace("\r\n", "\n");
        var lines = text.Split('\n');
        var header = new Dictionary<string, string>(StringComparer.Ordinal);
        int i = 0;
        for (; i < lines.Length && !RoleLine().IsMatch(lines[i]); i++)
        {
            var line = lines[i];
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int colon = line.IndexOf(':');
            if (colon <= 0) throw Bad(source, i, $"expected a `key: value` header line or `=== role ===`, found \"{line}\"");
            header[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        foreach (var key in header.Keys)
            if (key is not ("name" or "version" or "description" or "placeholders"))
                throw Bad(source, 0, $"unknown header key '{key}' (known: name, version, description, placeholders)");
        string name = header.GetValueOrDefault("name") ?? throw Bad(source, 0, "the header has no `name:`");
        if (!int.TryParse(header.GetValueOrDefault("version"), out int version) || version < 1)
            throw Bad(source, 0, "the header needs `version: N` with N >= 1");
        var declared = (header.GetValueOrDefault("placeholders") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        var messages = new List<PromptMessage>();
        while (i < lines.Length)
        {
            string role = RoleLine().Match(lines[i]).Groups[1].Value;
            if (!Roles.Contains(role)) throw Bad(source, i, $"unknown role '{role}' (known: {string.Join(", ", Roles)})");
            int start = ++i;
            while (i < lines.Length && !RoleLine().IsMatch(lines[i])) i++;
            var body = string.Join('\n', lines[start..i]).TrimEnd('\n');
            messages.Add(new PromptMessage(role, body));
        }
        if (messages.Count == 0) throw Bad(source, lines.Length - 1, "the template has no `=== role ===` message");
        var used = messages.SelectMany(m => Slot().Matches(m.Content).Select(x => x.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);
        foreach (var u in used)
            if (!declared.Contains(u)) throw Bad(source, 0, $"slot {{{{{u}}}}} is not declared in `placeholders:`");
        foreach (var d in declared)
            if (!used.Contains(d)) throw Bad(source, 0, $"placeholder '{d}' is declared but no message uses {{{{{d}}}}}");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        return new PromptTemplate(name, version, header.GetValueOrDefault("description") ?? "", declared, messages, hash);
    }

    /// <summary>Fills every slot. Throws ArgumentException when a placeholder has no value or an unknown one is given.</summary>
    public RenderedPrompt Render(IReadOnlyDictionary<string, string> values)
    {
        foreach (var p in Placeholders)
            if (!values.ContainsKey(p)) throw new ArgumentException($"prompt {Id}: no value for placeholder '{p}'.");
        foreach (var k in values.Keys)
            if (!Placeholders.Contains(k)) throw new ArgumentException($"prompt {Id}: '{k}' is not one of its placeholders ({string.Join(", ", Placeholders)}).");
        var rendered = _messages.Select(m => m with { Content = Slot().Replace(m.Content, x => values[x.Groups[1].Value]) }).ToList();
        return new RenderedPrompt(Id, $"{Id}#{Hash}", rendered);
    }

    private static InvalidDataException Bad(string source, int line, string what) =>
        new($"prompt template '{source}' line {line + 1}: {what}.");

    [GeneratedRegex(@"^=== (\w+) ===$")]
    private static partial Regex RoleLine();

    [GeneratedRegex(@"\{\{(\w+)\}\}")]
    private static partial Regex Slot();
}
