using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace IrtTool.Tests;

/// <summary>Runs the built irt.dll as a separate process, covering Program.cs and the real console streams.</summary>
public sealed class ProcessTests
{
    private static (int ExitCode, string Output, string Error) RunIrt(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "irt.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(60_000), "irt did not finish within a minute");
        return (process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Score_FromStandardInput_WritesJsonLinesToStandardOutput_AndReportsBadLinesWithExitCode1()
    {
        var (exitCode, output, error) = RunIrt(
            "{\"id\":\"good\",\"items\":[0,1,2],\"responses\":[1,0,1]}\n{\"id\":\"bad\",\"items\":[0],\"responses\":[3]}\n",
            "score", "--bank", Path.Combine(IrtRun.Samples, "bank.json"), "--patterns", "-", "--method", "EAP", "--method", "ML");

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal(2, lines.Length);
        Assert.True(lines[0].GetProperty("estimates").GetProperty("ML").GetProperty("theta").GetDouble() is > -4 and < 4);
        Assert.Contains("not 0 or 1", lines[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void BadBank_ExitCode2_MessageOnStandardError()
    {
        var (exitCode, output, error) = RunIrt(string.Empty, "simulate", "--bank", "/nonexistent/bank.json");

        Assert.Equal(2, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Contains("cannot read the bank file", error, StringComparison.Ordinal);
    }
}
