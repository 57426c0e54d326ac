using OpsConsole.Domain;

namespace OpsConsole.Hosting;

/// <summary>Maps the seed's run_orchestration switches onto configuration keys.</summary>
public static class CommandLineSwitches
{
    private static readonly Dictionary<string, string> Valued = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--interval"] = "Orchestration:IntervalSeconds",
        ["--deployment-check-interval"] = "Orchestration:DeploymentCheckIntervalSeconds",
        ["--health-check-interval"] = "Orchestration:HealthCheckIntervalSeconds",
    };

    private static readonly Dictionary<string, string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--verbose"] = "Orchestration:Verbose",
        ["--dry-run"] = "Orchestration:DryRun",
    };

    public static string[] Normalize(string[] args)
    {
        var result = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var (name, inlineValue) = arg.Split('=', 2) is [var n, var v] ? (n, v) : (arg, null);
            if (Flags.TryGetValue(name, out var flagKey))
            {
                result.Add($"--{flagKey}={inlineValue ?? "true"}");
            }
            else if (Valued.TryGetValue(name, out var key))
            {
                var value = inlineValue ?? (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : null);
                if (value is null)
                {
                    throw new OpsConsoleSettingsException($"OpsConsole cannot start: {name} needs a number of seconds, e.g. {name} 30");
                }

                result.Add($"--{key}={value}");
            }
            else
            {
                result.Add(arg);
            }
        }

        return [.. result];
    }
}
