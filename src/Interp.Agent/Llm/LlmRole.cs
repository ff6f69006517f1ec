// The five roles the agent layer gives an LLM. Each role names an endpoint and a model in the `Llm` section of
// appsettings.json; code asks for a role, never for a URL.
namespace Interp.Agent.Llm;

public enum LlmRole { Explainer, Simulator, Judge, Agent, Embeddings }

public static class LlmRoles
{
    public static readonly IReadOnlyList<LlmRole> All = Enum.GetValues<LlmRole>();

    /// <summary>The config/CLI spelling: explainer, simulator, judge, agent, embeddings.</summary>
    public static string Key(this LlmRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParse(string key, out LlmRole role)
    {
        foreach (var r in All)
            if (r.Key() == key) { role = r; return true; }
        role = default;
        return false;
    }

    public static LlmRole Parse(string key, string where) => TryParse(key, out var r) ? r
        : throw new Options.LlmConfigException(
            $"{where}: unknown role '{key}'; did you mean '{Interp.Models.NameSuggestions.Nearest(All.Select(Key), key, 1).First()}'? " +
            $"(roles: {string.Join(", ", All.Select(Key))})");
}
