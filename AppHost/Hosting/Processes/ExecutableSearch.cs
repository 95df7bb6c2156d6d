namespace AppHost.Hosting.Processes;

/// <summary>Finds a program on PATH (what a shell's <c>command -v</c> does).</summary>
internal static class ExecutableSearch
{
    public static string? Find(string program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
    }
}
