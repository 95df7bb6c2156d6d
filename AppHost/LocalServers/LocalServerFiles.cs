using System.Runtime.Versioning;
using Microsoft.Extensions.Configuration;

namespace AppHost.LocalServers;

/// <summary>Where the local servers keep their files, and how they find their programs.</summary>
[UnsupportedOSPlatform("windows")]
internal static class LocalServerFiles
{
    /// <summary>Configuration key of the data folder (default: <c>.data</c> beside the AppHost folder, git-ignored).</summary>
    public const string DataDirectoryKey = "AppHost:DataDirectory";

    /// <summary>The repository root: the AppHost project's parent folder.</summary>
    public static string RepositoryRoot(IDistributedApplicationBuilder builder) =>
        Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));

    /// <summary>The data folder of resource <paramref name="name"/>, created if needed: <c>{AppHost:DataDirectory}/{name}</c>.</summary>
    public static string ResourceDirectory(IDistributedApplicationBuilder builder, string name)
    {
        var root = builder.Configuration[DataDirectoryKey] is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(RepositoryRoot(builder), ".data");
        return Directory.CreateDirectory(Path.Combine(root, name)).FullName;
    }

    /// <summary>The full path of <paramref name="program"/> on PATH, or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(path => File.Exists(path) && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0);

    /// <summary>Writes a file only its owner can read (a password, a config file holding one), replacing any earlier one.</summary>
    public static void WriteSecretFile(string path, string contents)
    {
        File.Delete(path);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
    }
}
