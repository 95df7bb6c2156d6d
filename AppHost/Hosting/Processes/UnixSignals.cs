using System.Runtime.InteropServices;

namespace AppHost.Hosting.Processes;

/// <summary>The few libc calls .NET does not expose: sending a chosen signal, the effective uid, chown.</summary>
internal static partial class UnixSignals
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="processId"/>; false when the process is gone.</summary>
    public static bool Send(int processId, int signal) => kill(processId, signal) == 0;

    public static bool IsRoot => geteuid() == 0;

    public static void ChangeOwner(string path, int userId, int groupId)
    {
        if (chown(path, userId, groupId) != 0)
        {
            throw new IOException($"chown {userId}:{groupId} '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chown(string path, int owner, int group);
}
