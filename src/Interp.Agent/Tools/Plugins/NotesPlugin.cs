// The kernel functions that write (a feature label, a note). Registered only when the session enables writes.
using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace Interp.Agent.Tools;

public sealed class NotesPlugin(InterpPrimitives p)
{
    [KernelFunction("save_label"), Description("Saves a label for a feature to the session's notes file (JSON lines), with the evidence for it. Only available when a person enabled writes.")]
    public string SaveLabel(
        [Description("Feature index, 0..d_sae-1")] int feature,
        [Description("The label, e.g. 'days of the week'")] string label,
        [Description("The numbers that support it, e.g. 'ablation drops p(Monday) by 0.4'")] string? evidence = null,
        [Description("SAE name from list_saes; may be omitted when one SAE is attached")] string? sae = null) => ToolJson.Serialize(p.SaveLabel(sae, feature, label, evidence));

    [KernelFunction("save_note"), Description("Appends a note about the investigation to the session's notes file. Only available when a person enabled writes.")]
    public string SaveNote([Description("The note, up to 4000 characters")] string text) => ToolJson.Serialize(p.SaveNote(text));
}
