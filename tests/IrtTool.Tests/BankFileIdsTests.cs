using Xunit;

namespace IrtTool.Tests;

/// <summary>The optional <c>ids</c> column of a bank file (what ExamApi's bank export writes): read, and checked.</summary>
public sealed class BankFileIdsTests
{
    private const string Logistic = """{"a": [1.2, 0.8, 1.5], "b": [-0.5, 0.3, 1.1], "c": [0.1, 0.2, 0], "topics": ["x", "y", "x"]""";

    [Fact]
    public void IdsAreReadInItemOrderWithTheBank()
    {
        IrtRun.WithBankFile(Logistic + """, "ids": [41, 7, 9000000000], "scaling": 1}""", path =>
        {
            var content = BankFile.Read(path, scaling: 1);
            Assert.Equal(3, content.Bank.Count);
            Assert.Equal([41L, 7L, 9_000_000_000L], content.ItemIds);
            Assert.Equal(content.Bank.Count, BankFile.Load(path, scaling: 1).Count);
        });
    }

    [Fact]
    public void APolytomousBankTakesIdsToo()
    {
        IrtRun.WithBankFile("""{"model": "GPCM", "params": [[1.1, -0.5, 0.4], [0.9, 0.2, null]], "ids": [3, 5]}""", path =>
            Assert.Equal([3L, 5L], BankFile.Read(path, scaling: 1).ItemIds));
    }

    [Fact]
    public void ABankWithoutIdsHasNone()
    {
        IrtRun.WithBankFile(Logistic + "}", path => Assert.Null(BankFile.Read(path, scaling: 1).ItemIds));
    }

    [Theory]
    [InlineData(""", "ids": [1, 2]}""", "\"ids\" has 2 values but \"a\" has 3.")]
    [InlineData(""", "ids": [1, 2, 3, 4]}""", "\"ids\" has 4 values but \"a\" has 3.")]
    [InlineData(""", "ids": [5, 6, 5]}""", "\"ids\"[2] (5) repeats \"ids\"[0]; item ids must be unique.")]
    [InlineData(""", "ids": [1, 2.5, 3]}""", "\"ids\"[1] is 2.5, not an integer.")]
    [InlineData(""", "ids": "1,2,3"}""", "\"ids\" must be an array of integers.")]
    public void BadIdsAreRefusedNamingTheProblem(string ids, string message)
    {
        IrtRun.WithBankFile(Logistic + ids, path =>
        {
            var error = Assert.Throws<UsageException>(() => BankFile.Read(path, scaling: 1));
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
            IrtRun.Invoke(null, "simulate", "--bank", path, "--examinees", "5").AssertBankRefused(path, message);
        });
    }

    [Fact]
    public void IdsOfAPolytomousBankAreCountedAgainstItsRows()
    {
        IrtRun.WithBankFile("""{"model": "PCM", "params": [[-0.5, 0.4], [0.2, 0.8]], "ids": [1]}""", path =>
            Assert.Contains("\"ids\" has 1 values but \"params\" has 2.", Assert.Throws<UsageException>(() => BankFile.Read(path, scaling: 1)).Message, StringComparison.Ordinal));
    }
}
