using System.Security.Cryptography;

namespace AppHost.Hosting.Processes;

/// <summary>Secrets on disk (mode 0600, never on a command line) and generated passwords.</summary>
internal static class SecretFile
{
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A 22-character password (about 131 bits) of letters and digits: safe in every connection string syntax and URI.</summary>
    public static string GeneratePassword() => RandomNumberGenerator.GetString(PasswordAlphabet, 22);

    /// <summary>Writes <paramref name="content"/> to a file created with mode 0600 (replacing any previous file).</summary>
    public static void Write(string path, string content, UnixAccount? owner = null)
    {
        File.Delete(path);
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(content);
        }

        owner?.Own(path);
    }
}
