// The server's model session for the tools (issue 13's primitives, written once): the Models entry marked `tools`
// (else the first), its SAEs from Saes with their caches, and the embedded index. Loaded at start; the same kernel
// functions serve the tool-call route, the chat investigator and MCP at /mcp. A cache built by a job later is attached
// to the running session (OnFeatureChange), so the tools see it without a restart. Tool calls go through the kernel with
// the tools' own argument checks, so an HTTP caller and an MCP client get the same validation and the same messages.
using System.Text.Json;
using Interp.Agent.Llm;
using Interp.Agent.Tools;
using Interp.Agent.Tools.Chat;
using Interp.Errors;
using Interp.Index;
using Interp.Serve.Features;
using Interp.Serve.Settings;
using Microsoft.SemanticKernel;

namespace Interp.Serve.Tools;

public sealed record ToolInfo(string Name, string Plugin, string Description, JsonElement Parameters);

public sealed class ToolHost : IAsyncDisposable
{
    private readonly Kernel _kernel;
    public ModelSession Session { get; }
    public string ModelName { get; }
    public (string Text, string Version) Prompt { get; }
    public string TranscriptDir { get; }

    private readonly ServeSettings _settings;

    private ToolHost(ModelSession session, string modelName, (string, string) prompt, string transcripts, ServeSettings settings)
    {
        _settings = settings;
        Session = session;
        ModelName = modelName;
        Prompt = prompt;
        TranscriptDir = transcripts;
        _kernel = InterpTools.CreateKernel(session, ToolErrorMode.Throw);
    }

    /// <summary>The session of the tools model, or null when no model is configured.</summary>
    public static ToolHost? Load(ServeSettings s, (string Text, string Version) prompt)
    {
        var entry = s.Models.FirstOrDefault(kv => kv.Value.Tools);
        if (entry.Key is null) entry = s.Models.FirstOrDefault();
        if (entry.Key is null) return null;
        var saes = s.Saes.Values.Where(x => x.Model == entry.Key)
            .Select(x => new SaeSource(x.Path, x.Cache is { } c && File.Exists(c) ? c : null)).ToList();
        string? index = s.Index.Backend == IndexOptions.BackendEmbedded ? EnsureEmbeddedIndex(s.Index) : null;
        var session = ModelSession.Load(new ModelSessionOptions(entry.Value.Path, saes, index));
        return new ToolHost(session, entry.Key, prompt, Path.Combine(s.Worker.DataDir, "transcripts"), s);
    }

    /// <summary>The embedded index file, created empty when the server starts before any index or label job wrote it, so
    /// the tools' session reads the records those jobs write later (it follows the file's revision).</summary>
    private static string EnsureEmbeddedIndex(IndexOptions options)
    {
        if (!File.Exists(options.Embedded.Path))
        {
            var index = FeatureIndexFactory.OpenAsync(options, new Interp.Index.Embeddings.MiniLmEmbeddingGenerator(), create: true).GetAwaiter().GetResult();
            index.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return options.Embedded.Path;
    }

    /// <summary>Follows the catalog while the server runs: a cache a cache_build job built (or rebuilt) for one of this
    /// model's SAEs is attached to the session, so tool calls, chat and MCP see it without a restart. Other changes (another
    /// model's SAE, labels) need nothing here.</summary>
    public void OnFeatureChange(FeatureChange change)
    {
        if (change.Kind != FeatureChangeKind.Cache || change.Sae is null || !_settings.Saes.TryGetValue(change.Sae, out var entry)) return;
        if (entry.Model != ModelName || entry.Cache is not { } cache || !File.Exists(cache)) return;
        Session.AttachCache(entry.Path, cache);
    }

    public IReadOnlyList<ToolInfo> List() => _kernel.Plugins.SelectMany(p => p.Select(f =>
        new ToolInfo(f.Name, p.Name, f.Description, JsonSerializer.SerializeToElement(f.Metadata.Parameters.Select(x => new
        {
            name = x.Name, description = x.Description, type = x.ParameterType?.Name, required = x.IsRequired,
            @default = x.DefaultValue?.ToString(),
        }))))).ToList();

    /// <summary>Calls tool <paramref name="name"/> with <paramref name="args"/> (a JSON object; values given as they would be
    /// typed: strings, numbers, booleans). Unknown tools and arguments are errors naming the nearest.</summary>
    public async Task<string> CallAsync(string name, JsonElement args, CancellationToken ct)
    {
        var fn = InterpTools.Functions(_kernel).FirstOrDefault(f => f.Name == name)
            ?? throw new InterpException($"no tool named '{(name.Length > 64 ? name[..64] : name)}'", "tool",
                $"nearest: {string.Join(", ", NameSuggestions.Nearest(InterpTools.Functions(_kernel).Select(f => f.Name), name))}; GET /api/tools lists them", ErrorKind.NotFound);
        var known = fn.Metadata.Parameters.Select(p => p.Name).ToList();
        var ka = new KernelArguments();
        foreach (var p in args.EnumerateObject())
        {
            if (!known.Contains(p.Name))
                throw new ToolArgumentException(p.Name, $"{name} has no argument '{p.Name}'", $"its arguments: {string.Join(", ", known)}");
            ka[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString(),
                JsonValueKind.Null => null,
                _ => p.Value.GetRawText(),
            };
        }
        try { return (await _kernel.InvokeAsync(fn, ka, ct)).GetValue<object>()?.ToString() ?? ""; }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var inner = e is KernelException or System.Reflection.TargetInvocationException && e.InnerException is { } ie ? ie : e;
            if (ErrorClassifier.Classify(inner).IsInternal) throw;
            throw new InterpException(InterpTools.Describe(name, e), null, null, ErrorClassifier.Classify(inner).Kind == ErrorKind.NotFound ? ErrorKind.NotFound : ErrorKind.Input);
        }
    }

    public Investigator Investigator(LlmClient? llm, string? conversation) =>
        new(Session, llm, new InvestigatorOptions(Prompt.Text, Prompt.Version, TranscriptDir, conversation));

    public ValueTask DisposeAsync() => Session.DisposeAsync();
}
