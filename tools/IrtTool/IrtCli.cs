using System.CommandLine;
using System.Text;

namespace IrtTool;

/// <summary>Process exit codes of the irt tool.</summary>
public static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Success = 0;

    /// <summary>score: at least one pattern line was bad (each got an error line); the others were scored.</summary>
    public const int PatternErrors = 1;

    /// <summary>Bad options, or a bank or patterns file that cannot be read or is invalid; nothing was processed.</summary>
    public const int UsageError = 2;
}

/// <summary>Invalid input detected before any work starts: bad option values, an unreadable or invalid file.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The irt command tree: parses arguments, runs a command and maps failures to exit codes.</summary>
public static class IrtCli
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Runs the tool with <paramref name="args"/> on <paramref name="streams"/> and returns the exit code.</summary>
    public static int Run(string[] args, StandardStreams streams)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(streams);
        var root = new RootCommand("irt: item response theory tools for test designers (scoring and CAT simulation).")
        {
            ScoreCommand.Create(streams),
            SimulateCommand.Create(streams),
            ExposureCommand.Create(streams),
        };
        var parseResult = root.Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors) streams.Error.WriteLine($"irt: {error.Message}");
            streams.Error.WriteLine("Run 'irt --help' or 'irt COMMAND --help' for usage.");
            return ExitCodes.UsageError;
        }

        // Help text goes to stdout; results are written by the commands straight to the output stream.
        using var helpWriter = new StreamWriter(streams.Output, Utf8NoBom, bufferSize: 4096, leaveOpen: true);
        try
        {
            return parseResult.Invoke(new InvocationConfiguration { Output = helpWriter, Error = streams.Error, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException ex)
        {
            streams.Error.WriteLine($"irt {parseResult.CommandResult.Command.Name}: {ex.Message}");
            return ExitCodes.UsageError;
        }
        finally
        {
            helpWriter.Flush();
            streams.Error.Flush();
        }
    }
}
