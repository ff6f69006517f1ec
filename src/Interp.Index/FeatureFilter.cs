// Payload filters shared by every index: all set fields must hold (AND). Unset fields do not filter. A range on a value
// the feature lacks (no score yet, no density) excludes the feature, as Qdrant's range conditions do.
namespace Interp.Index;

public sealed record FeatureFilter
{
    /// <summary>SaeIdentity.Id (the hash of cfg.json + weights).</summary>
    public string? SaeId { get; init; }
    /// <summary>SaeIdentity.Name (the SAE folder's name).</summary>
    public string? SaeName { get; init; }
    public string? ModelId { get; init; }
    public string? ModelName { get; init; }
    /// <summary>The hook the SAE reads, e.g. blocks.2.hook_resid_post.</summary>
    public string? Hook { get; init; }
    public int? Layer { get; init; }
    /// <summary>Bounds (inclusive) on the headline score (see FeaturePayload.Score).</summary>
    public double? MinScore { get; init; }
    public double? MaxScore { get; init; }
    /// <summary>The headline score's method (simulation, detection, …).</summary>
    public string? ScoreMethod { get; init; }
    /// <summary>Bounds (inclusive) on the firing density (FeatureStats.Density).</summary>
    public double? MinDensity { get; init; }
    public double? MaxDensity { get; init; }
    /// <summary>true: only features with an explanation; false: only features without one.</summary>
    public bool? Labeled { get; init; }
    /// <summary>Provenance.RunId.</summary>
    public string? RunId { get; init; }
    /// <summary>Features left out of the result (a feature's own key when searching its neighbours). Not in the JSON form.</summary>
    public IReadOnlyList<FeatureKey>? Exclude { get; init; }

    public static FeatureFilter None { get; } = new();

    public bool IsEmpty => this == None || (SaeId is null && SaeName is null && ModelId is null && ModelName is null && Hook is null
        && Layer is null && MinScore is null && MaxScore is null && ScoreMethod is null && MinDensity is null && MaxDensity is null
        && Labeled is null && RunId is null && (Exclude is null || Exclude.Count == 0));

    /// <summary>Throws for contradictory or non-finite bounds, so no store ever sees them.</summary>
    public void Validate()
    {
        static void Finite(double? v, string name)
        {
            if (v is { } x && !double.IsFinite(x)) throw new ArgumentException($"filter {name} = {x} is not a finite number.");
        }
        Finite(MinScore, "min_score"); Finite(MaxScore, "max_score"); Finite(MinDensity, "min_density"); Finite(MaxDensity, "max_density");
        if (MinScore > MaxScore) throw new ArgumentException($"filter min_score {MinScore} is above max_score {MaxScore}.");
        if (MinDensity > MaxDensity) throw new ArgumentException($"filter min_density {MinDensity} is above max_density {MaxDensity}.");
        if (Layer < -1) throw new ArgumentException($"filter layer {Layer} is below -1 (hooks outside the blocks have layer -1).");
    }

    /// <summary>Whether a payload passes (the in-memory form of the filter; SQL and Qdrant forms mirror it).</summary>
    public bool Matches(FeaturePayload p)
    {
        if (SaeId is not null && p.SaeId != SaeId) return false;
        if (SaeName is not null && p.SaeName != SaeName) return false;
        if (ModelId is not null && p.ModelId != ModelId) return false;
        if (ModelName is not null && p.ModelName != ModelName) return false;
        if (Hook is not null && p.Hook != Hook) return false;
        if (Layer is { } l && p.Layer != l) return false;
        if (MinScore is { } a && !(p.Score >= a)) return false;
        if (MaxScore is { } b && !(p.Score <= b)) return false;
        if (ScoreMethod is not null && p.ScoreMethod != ScoreMethod) return false;
        if (MinDensity is { } c && !(p.Density >= c)) return false;
        if (MaxDensity is { } d && !(p.Density <= d)) return false;
        if (Labeled is { } lab && p.Labeled != lab) return false;
        if (RunId is not null && p.RunId != RunId) return false;
        if (Exclude is { Count: > 0 } ex && ex.Contains(new FeatureKey(p.SaeId, p.Feature))) return false;
        return true;
    }

    /// <summary>Matches as a predicate for many rows (the excluded keys in a hash set).</summary>
    public Func<FeaturePayload, bool> ToPredicate()
    {
        var ex = Exclude is { Count: > 0 } ? new HashSet<FeatureKey>(Exclude) : null;
        var rest = this with { Exclude = null };
        return p => rest.Matches(p) && (ex is null || !ex.Contains(new FeatureKey(p.SaeId, p.Feature)));
    }
}
