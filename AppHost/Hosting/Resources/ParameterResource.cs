using Microsoft.Extensions.Configuration;

namespace AppHost.Hosting.Resources;

/// <summary>
/// A named value such as a password, as in Aspire: configuration <c>Parameters:{name}</c> (environment variable
/// <c>Parameters__{name}</c>) wins, otherwise the default supplier runs once (generate, or read what was persisted).
/// </summary>
public sealed class ParameterResource(string name, bool secret, Func<string> defaultValue)
{
    private readonly object gate = new();
    private string? value;

    /// <summary>The parameter's name (e.g. <c>cache-password</c>).</summary>
    public string Name { get; } = name;

    /// <summary>Secret values are never printed.</summary>
    public bool Secret { get; } = secret;

    /// <summary>Where a generated value is kept, for parameters that persist theirs.</summary>
    public string? ValueFile { get; init; }

    /// <summary>True when the value came from configuration rather than the default supplier.</summary>
    public bool IsConfigured { get; private set; }

    /// <summary>The value if a resource has resolved it already, else null (reading it never generates one).</summary>
    internal string? ResolvedValue
    {
        get
        {
            lock (gate)
            {
                return value;
            }
        }
    }

    /// <summary>The value; resolved once, under a lock because a project's replicas start (and resolve it) together.</summary>
    internal string Resolve(IConfiguration configuration)
    {
        lock (gate)
        {
            if (value is not null)
            {
                return value;
            }

            var configured = configuration[$"Parameters:{Name}"];
            IsConfigured = !string.IsNullOrEmpty(configured);
            var resolved = IsConfigured ? configured! : defaultValue();
            if (resolved.Contains(','))
            {
                throw new InvalidOperationException($"Parameter '{Name}' must not contain a comma (it is used in Redis connection strings).");
            }

            value = resolved;
            return value;
        }
    }
}
