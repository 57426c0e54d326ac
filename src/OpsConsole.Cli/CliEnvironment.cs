namespace OpsConsole.Cli;

/// <summary>Where opsctl talks to and writes to: the process's environment and console, or a test's.</summary>
public sealed record CliEnvironment
{
    public const string DefaultUrl = "http://localhost:5080";
    public const string UrlVariable = "OPSCONSOLE_URL";
    public const string ApiKeyVariable = "OPSCONSOLE_API_KEY";
    public const string AgentTokenVariable = "OPSCONSOLE_AGENT_TOKEN";

    public required TextWriter Out { get; init; }
    public required TextWriter Error { get; init; }

    /// <summary>Reads an environment variable (the process's, or a test's dictionary).</summary>
    public required Func<string, string?> Variable { get; init; }

    /// <summary>ANSI colours: only when standard output is a terminal and NO_COLOR is not set.</summary>
    public bool Color { get; init; }

    /// <summary>Whether Ctrl-C and SIGTERM cancel the running command (off in tests, which cancel through the token).</summary>
    public bool HandleSignals { get; init; } = true;

    public string Url => (Variable(UrlVariable) is { Length: > 0 } url ? url : DefaultUrl).TrimEnd('/');

    public string? ApiKey => Variable(ApiKeyVariable) is { Length: > 0 } key ? key.Trim() : null;

    public static CliEnvironment FromProcess() => new()
    {
        Out = Console.Out,
        Error = Console.Error,
        Variable = Environment.GetEnvironmentVariable,
        Color = !Console.IsOutputRedirected
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"))
            && Environment.GetEnvironmentVariable("TERM") != "dumb",
    };
}

/// <summary>The command line itself is wrong or incomplete (exit code 2); the message says how to fix it.</summary>
public sealed class UsageException(string message) : Exception(message);
