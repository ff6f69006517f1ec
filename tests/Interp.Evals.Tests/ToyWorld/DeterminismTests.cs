// Same seed → byte-identical folders (plain and gzip'd); different seeds → different corpora; document i does not
// depend on how many documents are generated; gzip'd and plain folders read back to the same documents.
using Interp.Evals.ToyWorld;

namespace Interp.Evals.Tests.ToyWorld;

public sealed class DeterminismTests
{
    private static readonly ToyWorldOptions Small = new(Seed: 7, Docs: 300, EvalPrompts: 40);

    private static void AssertSameFolders(string a, string b)
    {
        var namesA = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        var namesB = Directory.GetFiles(b).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(namesA, namesB);
        foreach (var n in namesA)
            Assert.True(File.ReadAllBytes(Path.Combine(a, n!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(b, n!))), $"{n} differs");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Write_SameSeedTwice_ByteIdenticalFiles(bool gzip)
    {
        using var tmp = new TempDir();
        ToyWorldWriter.Write(Small, tmp.Sub("a"), gzip);
        ToyWorldWriter.Write(Small, tmp.Sub("b"), gzip);
        AssertSameFolders(tmp.Sub("a"), tmp.Sub("b"));
        Assert.Equal(8, Directory.GetFiles(tmp.Sub("a")).Length);
    }

    [Fact]
    public void Write_DifferentSeeds_EveryDataFileDiffers()
    {
        using var tmp = new TempDir();
        ToyWorldWriter.Write(Small, tmp.Sub("a"), gzip: false);
        ToyWorldWriter.Write(Small with { Seed = 8 }, tmp.Sub("b"), gzip: false);
        foreach (var f in ToyWorldWriter.DataFiles)
            Assert.NotEqual(File.ReadAllText(Path.Combine(tmp.Sub("a"), f)), File.ReadAllText(Path.Combine(tmp.Sub("b"), f)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(tmp.Sub("a"), "tokenizer.json")), File.ReadAllBytes(Path.Combine(tmp.Sub("b"), "tokenizer.json")));
    }

    [Fact]
    public void Corpus_DocumentIDependsOnlyOnSeedAndI()
    {
        var few = ToyWorldGenerator.Corpus(Small with { Docs = 50 }).Select(d => d.Text).ToArray();
        var many = ToyWorldGenerator.Corpus(Small).Take(50).Select(d => d.Text).ToArray();
        Assert.Equal(few, many);
    }

    [Fact]
    public void ReadDocuments_GzipAndPlain_SameDocumentsAsGenerated()
    {
        using var tmp = new TempDir();
        ToyWorldWriter.Write(Small, tmp.Sub("plain"), gzip: false);
        ToyWorldWriter.Write(Small, tmp.Sub("gz"), gzip: true);
        Assert.True(File.Exists(Path.Combine(tmp.Sub("gz"), "labels.jsonl.gz")));
        Assert.False(File.Exists(Path.Combine(tmp.Sub("gz"), "labels.jsonl")));
        var made = ToyWorldGenerator.Corpus(Small).ToArray();
        foreach (var dir in new[] { tmp.Sub("plain"), tmp.Sub("gz") })
        {
            var read = ToyWorldFiles.ReadDocuments(dir).ToArray();
            Assert.Equal(made.Length, read.Length);
            for (int i = 0; i < made.Length; i++)
            {
                Assert.Equal(made[i].Tokens, read[i].Tokens);
                Assert.Equal(made[i].Labels, read[i].Labels);
            }
        }
        Assert.Equal(ToyWorldFiles.ReadLines(tmp.Sub("plain"), "induction_eval.jsonl"), ToyWorldFiles.ReadLines(tmp.Sub("gz"), "induction_eval.jsonl"));
    }

    [Fact]
    public void Write_PlainOverGzipFolder_RemovesTheStaleGzipFiles()
    {
        using var tmp = new TempDir();
        ToyWorldWriter.Write(Small, tmp.Path, gzip: true);
        ToyWorldWriter.Write(Small with { Seed = 9 }, tmp.Path, gzip: false);
        Assert.Empty(Directory.GetFiles(tmp.Path, "*.gz"));
    }

    [Fact]
    public void Resolve_MissingFile_NamesBothFormsAndTheCommand()
    {
        using var tmp = new TempDir();
        var e = Assert.Throws<FileNotFoundException>(() => ToyWorldFiles.ReadCorpus(tmp.Path).ToArray());
        Assert.Contains("neither corpus.txt nor corpus.txt.gz", e.Message);
        Assert.Contains("interp toyworld generate", e.Message);
    }

    [Fact]
    public void ReadDocuments_LabelsShorterThanLine_FailsNamingLineAndKey()
    {
        using var tmp = new TempDir();
        File.WriteAllText(Path.Combine(tmp.Path, "corpus.txt"), "<bos> the cat <eos>\n");
        File.WriteAllText(Path.Combine(tmp.Path, "labels.jsonl"), "{\"doc\":0,\"length\":3,\"category\":[null,null,\"animal\"]}\n");
        var e = Assert.Throws<InvalidDataException>(() => ToyWorldFiles.ReadDocuments(tmp.Path).ToArray());
        Assert.Contains("line 1", e.Message);
        Assert.Contains("\"category\" must be an array of 4", e.Message);
    }
}
