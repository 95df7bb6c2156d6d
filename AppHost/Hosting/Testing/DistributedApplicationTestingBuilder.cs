using System.Reflection;
using AppHost.Hosting.Processes;

namespace AppHost.Hosting;

/// <summary>
/// Aspire.Hosting.Testing's entry point for this AppHost: runs the AppHost's Program only to collect the declared
/// graph, with test options (random ports, fresh temporary data, no console output, short timeouts); the test then
/// builds, starts and disposes the application itself.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    private static readonly AsyncLocal<TestingSession?> Current = new();

    /// <summary>
    /// Runs <typeparamref name="TEntryPoint"/>'s assembly entry point and returns the builder it declared the graph on.
    /// <paramref name="configuration"/> adds configuration (e.g. <c>Parameters:cache-password</c>);
    /// <paramref name="configureOptions"/> adjusts options (e.g. a <c>DataDirectory</c> to reuse between runs).
    /// </summary>
    public static async Task<DistributedApplicationBuilder> CreateAsync<TEntryPoint>(
        string[]? args = null,
        IReadOnlyDictionary<string, string?>? configuration = null,
        Action<DistributedApplicationOptions>? configureOptions = null)
        where TEntryPoint : class
    {
        var entryPoint = typeof(TEntryPoint).Assembly.EntryPoint
            ?? throw new InvalidOperationException($"{typeof(TEntryPoint).Assembly.GetName().Name} has no entry point.");
        var session = new TestingSession(configuration, configureOptions);
        Current.Value = session;
        try
        {
            var result = entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args ?? []]);
            if (result is Task task)
            {
                await task;
            }
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        finally
        {
            Current.Value = null;
        }

        return session.Builder ?? throw new InvalidOperationException("The AppHost's entry point never called Build().");
    }

    internal static bool IsCapturing => Current.Value is not null;

    internal static DistributedApplicationBuilder? CreateBuilderIfTesting(string[] args)
    {
        if (Current.Value is not { } session)
        {
            return null;
        }

        var options = DistributedApplicationBuilder.DefaultOptions();
        options.IsTesting = true;
        options.DurablePostgres = false;
        options.WriteResourceOutputToConsole = false;
        options.GracefulStopTimeout = TimeSpan.FromSeconds(5);
        options.HealthCheckInterval = TimeSpan.FromMilliseconds(500);
        options.DataDirectory = string.Empty;
        session.ConfigureOptions?.Invoke(options);
        if (options.DataDirectory.Length == 0)
        {
            options.DataDirectory = Directory.CreateTempSubdirectory("apphost-test-").FullName;
            options.DeleteDataDirectoryOnDispose = true;
        }

        Directory.CreateDirectory(options.DataDirectory);

        // Temporary folders are created 0700; PostgreSQL (running as its own user when the tests run as root) must
        // be able to reach its data directory inside.
        if (UnixSignals.IsRoot)
        {
            File.SetUnixFileMode(options.DataDirectory, (UnixFileMode)0b111_101_101);
        }

        return new DistributedApplicationBuilder(args, options, session.Configuration);
    }

    internal static void Capture(DistributedApplicationBuilder builder)
    {
        if (Current.Value is { } session)
        {
            session.Builder = builder;
        }
    }

    private sealed class TestingSession(IReadOnlyDictionary<string, string?>? configuration, Action<DistributedApplicationOptions>? configureOptions)
    {
        public IReadOnlyDictionary<string, string?>? Configuration { get; } = configuration;

        public Action<DistributedApplicationOptions>? ConfigureOptions { get; } = configureOptions;

        public DistributedApplicationBuilder? Builder { get; set; }
    }
}
