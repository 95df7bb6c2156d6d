namespace GraphHost;

/// <summary>
/// A block of ports that no other graph on this machine allocates from while this one holds it. Aspire gives every
/// endpoint without a fixed port (the servers, each project's own listener) a port from one range (10000–32767), and
/// each AppHost only checks that its pick is free at that moment. Graphs started in parallel (test projects run side
/// by side) can then pick the same port while its owner has not bound it yet: a project takes seconds to start, and a
/// server a test stopped frees its port until it is started again. Graphs that allocate from blocks they hold
/// exclusively cannot collide. The hold is an exclusive lock on a file per block, so it ends with the process that
/// held it, however that ends.
/// </summary>
public sealed class PortBlock : IDisposable
{
    private const int RangeStart = 10000;
    private const int RangeEnd = 32767;
    private const int Size = 256;

    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "examgraph-port-blocks");

    private readonly FileStream lockFile;

    private PortBlock(FileStream lockFile, int start)
    {
        this.lockFile = lockFile;
        Start = start;
    }

    /// <summary>The first port of the block.</summary>
    public int Start { get; }

    /// <summary>The last port of the block.</summary>
    public int End => Start + Size - 1;

    /// <summary>The block as Aspire's <c>ASPIRE_PROXYLESS_ENDPOINT_PORT_RANGE</c> setting writes it.</summary>
    public string Range => $"{Start}-{End}";

    /// <summary>Takes a free block, starting at a random one so that processes starting together rarely contend.</summary>
    public static PortBlock Take()
    {
        Directory.CreateDirectory(LockDirectory);
        var count = (RangeEnd - RangeStart + 1) / Size;
        var first = Random.Shared.Next(count);
        for (var i = 0; i < count; i++)
        {
            var block = (first + i) % count;
            try
            {
                // On Unix .NET takes an exclusive advisory lock (flock) for FileShare.None, per open file: a second
                // holder in this process or any other fails here.
                var lockFile = new FileStream(Path.Combine(LockDirectory, $"{block}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new PortBlock(lockFile, RangeStart + block * Size);
            }
            catch (IOException)
            {
            }
        }

        throw new InvalidOperationException($"All {count} port blocks in {LockDirectory} are held by running graphs.");
    }

    /// <summary>Gives the block back.</summary>
    public void Dispose() => lockFile.Dispose();
}
