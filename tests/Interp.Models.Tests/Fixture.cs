// Paths to the parity fixtures copied into this test project (random-weight checkpoints + PyTorch references).
namespace Interp.Models.Tests;

public static class Fixture
{
    public static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
    public static readonly string[] Models = { "gpt2-tiny", "llama-tiny", "neox-tiny" };
    public static TheoryData<string> All => new() { "gpt2-tiny", "llama-tiny", "neox-tiny" };
}
