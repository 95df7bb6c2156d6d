using System.Text;
using IrtTool;

namespace IrtTool.Tests;

/// <summary>The outcome of one in-process run of the irt tool: exit code and everything written to stdout and stderr.</summary>
public sealed record IrtRun(int ExitCode, string Output, string Error)
{
    /// <summary>Directory of the sample bank and patterns copied next to the tests.</summary>
    public static string Samples { get; } = Path.Combine(AppContext.BaseDirectory, "samples");

    /// <summary>Runs irt with <paramref name="args"/> and optional standard input, capturing the output streams.</summary>
    public static IrtRun Invoke(string? stdin, params string[] args)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(stdin ?? string.Empty));
        using var output = new MemoryStream();
        using var error = new StringWriter();
        var exitCode = IrtCli.Run(args, new StandardStreams(input, output, error, OutputIsInteractive: false, ErrorIsInteractive: false));
        return new IrtRun(exitCode, Encoding.UTF8.GetString(output.ToArray()), error.ToString());
    }

    /// <summary>Writes <paramref name="json"/> to a temporary bank file, runs <paramref name="use"/> with its path, then deletes it.</summary>
    public static void WithBankFile(string json, Action<string> use) => WithJsonFile("bank", json, use);

    /// <summary>Writes <paramref name="json"/> to a temporary design file, runs <paramref name="use"/> with its path, then deletes it.</summary>
    public static void WithDesignFile(string json, Action<string> use) => WithJsonFile("design", json, use);

    private static void WithJsonFile(string kind, string json, Action<string> use)
    {
        var path = Path.Combine(Path.GetTempPath(), $"irt-{kind}-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            use(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Checks the run refused its bank: exit code 2, no output, and an error naming the file and the problem.</summary>
    public void AssertBankRefused(string bankPath, string expectedMessage)
    {
        Xunit.Assert.Equal(ExitCodes.UsageError, ExitCode);
        Xunit.Assert.Equal(string.Empty, Output);
        Xunit.Assert.Contains(expectedMessage, Error, StringComparison.Ordinal);
        Xunit.Assert.Contains(bankPath, Error, StringComparison.Ordinal);
    }

    /// <summary>The non-empty lines of standard output.</summary>
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
