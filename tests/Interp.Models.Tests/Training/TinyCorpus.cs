// A throw-away training setup for tests: a repetitive English corpus, a small byte-level BPE tokenizer trained
// on it, a held-out file, and TrainConfig builders for tiny gpt2/llama models (seconds to train on 2 cores).
using Interp.Models.Tokenizers.Training;
using Interp.Models.Training;

namespace Interp.Models.Tests.Training;

public sealed class TinyCorpus : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "interp-train-" + Guid.NewGuid().ToString("N"));
    public string TokenizerPath => Path.Combine(Dir, "tokenizer.json");
    public string TrainPath => Path.Combine(Dir, "train.txt");
    public string HeldoutPath => Path.Combine(Dir, "heldout.txt");

    /// <summary>Sentences cycled in a fixed order: each token is predictable from the few before it.</summary>
    public static readonly string[] Sentences =
    [
        "the cat sat on the mat.", "the dog ran to the park.", "a bird sang in the tree.", "the sun rose over the hill.",
    ];

    public TinyCorpus(int repeats = 60)
    {
        Directory.CreateDirectory(Dir);
        string Text(int n) => string.Join(" ", Enumerable.Range(0, n * Sentences.Length).Select(i => Sentences[i % Sentences.Length])) + "\n";
        File.WriteAllText(TrainPath, Text(repeats));
        File.WriteAllText(HeldoutPath, Text(8));
        ByteLevelBpeTrainer.Train([File.ReadAllText(TrainPath)], new BpeTrainerOptions(VocabSize: 300)).Save(TokenizerPath);
    }

    public string Path_(string name) => Path.Combine(Dir, name);

    public TrainConfig Config(string arch = "gpt2", int steps = 40) => new()
    {
        Arch = arch == "llama" ? TrainArch.Llama : TrainArch.Gpt2, NLayers = 1, DModel = 32, NHeads = 4, NKvHeads = arch == "llama" ? 2 : null, NCtx = 16, Steps = steps, BatchSize = 8,
        Lr = 2e-2, MinLr = 1e-3, WarmupSteps = Math.Min(5, steps), WeightDecay = 0.1, GradClip = 1.0, EvalEvery = 0, EvalBatches = 2, LogEvery = 0,
        Seed = 1234, Tokenizer = TokenizerPath, TrainData = TrainPath, HeldoutData = HeldoutPath,
    };

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
