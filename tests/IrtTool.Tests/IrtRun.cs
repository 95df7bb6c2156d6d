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

    /// <summary>The non-empty lines of standard output.</summary>
    public string[] OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
