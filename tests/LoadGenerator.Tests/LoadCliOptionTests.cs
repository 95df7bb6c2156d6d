namespace LoadGenerator.Tests;

/// <summary>Options that contradict each other end the run before anything starts, with exit code 2.</summary>
public sealed class LoadCliOptionTests
{
    [Theory]
    [InlineData("--graph", "--redis-cluster", "2")]
    [InlineData("--graph", "--redis-cluster", "17")]
    [InlineData("--graph", "--redis-cluster", "3", "--redis-replicas", "3")]
    [InlineData("--base-url", "http://127.0.0.1:1", "--admin-key", "k", "--redis", "127.0.0.1:1", "--postgres", "Host=127.0.0.1", "--redis-cluster", "3")]
    public async Task A_redis_cluster_the_graph_cannot_start_is_refused_before_anything_runs(params string[] args)
    {
        var (exitCode, error) = await InvokeAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("--redis", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--base-url", "http://127.0.0.1:1", "--admin-key", "k", "--redis", "127.0.0.1:1", "--postgres", "Host=127.0.0.1", "--dashboard")]
    [InlineData("practice-generation", "--base-url", "http://127.0.0.1:1", "--admin-key", "k", "--redis", "127.0.0.1:1", "--postgres", "Host=127.0.0.1", "--dashboard")]
    public async Task A_dashboard_without_the_graph_is_refused_before_anything_runs(params string[] args)
    {
        var (exitCode, error) = await InvokeAsync(args);

        Assert.Equal(2, exitCode);
        Assert.Contains("--dashboard needs --graph", error, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Error)> InvokeAsync(string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            return (await LoadCli.CreateCommand().Parse(args).InvokeAsync(), error.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }
}
