namespace IrtTool;

/// <summary>The streams a command reads and writes: the console's in production, in-memory ones in tests.</summary>
/// <param name="Input">Standard input (pattern lines for <c>score --patterns -</c>).</param>
/// <param name="Output">Standard output: results only, so it can be piped.</param>
/// <param name="Error">Standard error: messages and progress.</param>
/// <param name="OutputIsInteractive">Whether standard output is a terminal; only then do tables get colours (ANSI codes).</param>
/// <param name="ErrorIsInteractive">Whether standard error is a terminal, where a live progress bar makes sense.</param>
public sealed record StandardStreams(Stream Input, Stream Output, TextWriter Error, bool OutputIsInteractive, bool ErrorIsInteractive)
{
    /// <summary>The process's standard streams.</summary>
    public static StandardStreams FromConsole() =>
        new(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, !Console.IsOutputRedirected, !Console.IsErrorRedirected);
}
