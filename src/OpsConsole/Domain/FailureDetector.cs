using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

public enum FailureVerdict
{
    /// <summary>The entry says or shows that the deployment failed.</summary>
    Failed,

    /// <summary>The entry says it succeeded (status, success flag or exit code 0): words in its log do not change that.</summary>
    Succeeded,

    /// <summary>Nothing in the entry says either way (an INFO line, a warning).</summary>
    NoSignal,
}

public sealed record FailureAssessment(FailureVerdict Verdict, string Reason)
{
    public bool IsFailure => Verdict == FailureVerdict.Failed;
}

/// <summary>
/// Decides whether a deployment-log entry is a failure, how severe it is and what to try (reference §6), with the
/// original's false positives fixed: an entry that says it succeeded is not a failure because a warning in its log
/// mentions "permission denied", and the exit code "0" (a string) is success, not failure.
/// </summary>
public static partial class FailureDetector
{
    public const string DefaultErrorMessage = "Deployment failed - see logs for details";

    private static readonly HashSet<string> FailedStatuses = new(StringComparer.OrdinalIgnoreCase)
    {
        "failed", "error", "failure", "errored", "failing", "timed_out", "timeout", "crashed", "aborted",
    };

    private static readonly HashSet<string> SucceededStatuses = new(StringComparer.OrdinalIgnoreCase)
    {
        "success", "succeeded", "successful", "completed", "complete", "ok", "passed", "done", "deployed", "finished",
    };

    /// <summary>The original's words in error_message (reference §6).</summary>
    public static readonly string[] ErrorWords = ["error", "failed", "failure", "exception", "timeout", "connection refused"];

    /// <summary>The original's patterns in the entry's log lines (reference §6).</summary>
    public static readonly string[] LogPatterns = ["deployment failed", "build failed", "connection error", "timeout", "permission denied", "command not found", "no such file", "cannot connect"];

    private static readonly string[] ErrorLevels = ["ERROR", "CRITICAL", "FATAL"];

    [GeneratedRegex(@"\b(?:database|production|critical|service unavailable)|\blive\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CriticalWords();

    [GeneratedRegex(@"\b(?:deployment|build|configuration|permission)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HighWords();

    public static bool IsErrorLevel(string? level) => level is not null && ErrorLevels.Contains(level, StringComparer.OrdinalIgnoreCase);

    public static FailureAssessment Assess(DeploymentEntry entry)
    {
        // What the entry says about itself comes first, failure before success.
        if (entry.Status is { } status && FailedStatuses.Contains(status))
        {
            return new(FailureVerdict.Failed, $"status '{status}'");
        }

        if (entry.Success == false)
        {
            return new(FailureVerdict.Failed, "success is false");
        }

        if (entry.ExitCode is { } code && code != 0)
        {
            return new(FailureVerdict.Failed, $"exit code {code}");
        }

        if (entry.Level is "SUCCESS")
        {
            return new(FailureVerdict.Succeeded, "logged at SUCCESS");
        }

        if (entry.Status is { } ok && SucceededStatuses.Contains(ok))
        {
            return new(FailureVerdict.Succeeded, $"status '{ok}'");
        }

        if (entry.Success == true)
        {
            return new(FailureVerdict.Succeeded, "success is true");
        }

        if (entry.ExitCode == 0)
        {
            return new(FailureVerdict.Succeeded, "exit code 0");
        }

        // No outcome given: the level and the words decide.
        if (IsErrorLevel(entry.Level))
        {
            return new(FailureVerdict.Failed, $"logged at {entry.Level}");
        }

        if (entry.ErrorMessage is { Length: > 0 } error && FirstIn(error, ErrorWords) is { } word)
        {
            return new(FailureVerdict.Failed, $"error_message mentions '{word}'");
        }

        foreach (var line in entry.Logs)
        {
            if (IsErrorLevel(line.Level))
            {
                return new(FailureVerdict.Failed, $"a log line at {line.Level}: {Shorten(line.Message)}");
            }

            // A warning or an info line that mentions a pattern is not a failure; a line without a level is read as the original did.
            if (line.Level is null && FirstIn(line.Message, LogPatterns) is { } pattern)
            {
                return new(FailureVerdict.Failed, $"a log line says '{pattern}'");
            }
        }

        return new(FailureVerdict.NoSignal, "no failure status, error level or error words");
    }

    /// <summary>The message a task shows: error_message, else the last ERROR/CRITICAL log line, else the record's own message.</summary>
    public static string ErrorMessageOf(DeploymentEntry entry)
    {
        if (!string.IsNullOrWhiteSpace(entry.ErrorMessage))
        {
            return entry.ErrorMessage;
        }

        var lastError = entry.Logs.LastOrDefault(l => IsErrorLevel(l.Level) && !string.IsNullOrWhiteSpace(l.Message));
        if (lastError is not null)
        {
            return lastError.Message;
        }

        return string.IsNullOrWhiteSpace(entry.Message) ? DefaultErrorMessage : entry.Message;
    }

    /// <summary>critical (database, production, live, critical, service unavailable), high (deployment, build, configuration, permission) or medium.</summary>
    public static string Severity(string? errorMessage, string? step)
    {
        var text = $"{errorMessage} {step}";
        if (CriticalWords().IsMatch(text))
        {
            return "critical";
        }

        return HighWords().IsMatch(text) ? "high" : "medium";
    }

    /// <summary>The original's cumulative suggestion groups (reference §6), keyed on the message (and the step for databases).</summary>
    public static IReadOnlyList<string> RecoverySuggestions(string? errorMessage, string? step)
    {
        var message = (errorMessage ?? "").ToLowerInvariant();
        var failedStep = (step ?? "").ToLowerInvariant();
        var suggestions = new List<string>();
        if (ContainsAny(message, "connection", "ssh", "timeout"))
        {
            suggestions.AddRange(["Check server connectivity and SSH access", "Verify server is running and accessible", "Check firewall settings and network configuration"]);
        }

        if (ContainsAny(message, "permission", "denied", "unauthorized"))
        {
            suggestions.AddRange(["Check file and directory permissions", "Verify user has necessary sudo privileges", "Check SSH key authentication"]);
        }

        if (message.Contains("database", StringComparison.Ordinal) || failedStep.Contains("database", StringComparison.Ordinal))
        {
            suggestions.AddRange(["Check database connectivity and status", "Verify database credentials and permissions", "Check for pending migrations"]);
        }

        if (ContainsAny(message, "build", "dependency", "package", "npm", "pip"))
        {
            suggestions.AddRange(["Check for missing dependencies", "Verify package manager configuration", "Clear package caches and retry installation"]);
        }

        if (ContainsAny(message, "config", "environment", "variable"))
        {
            suggestions.AddRange(["Verify environment variables and configuration", "Check configuration file syntax and values", "Ensure all required settings are present"]);
        }

        if (suggestions.Count == 0)
        {
            suggestions.AddRange(["Review deployment logs for specific error details", "Check server resources (disk space, memory, CPU)", "Verify all services are running properly", "Consider manual deployment verification"]);
        }

        return suggestions;
    }

    /// <summary>
    /// Reference §5: EMERGENCY when the failure's details mention "database" or "critical" (which a critical severity
    /// does), otherwise CRITICAL.
    /// </summary>
    public static WorkItemPriority Priority(string errorMessage, string step, string severity)
    {
        var text = $"{errorMessage} {step} {severity}";
        return text.Contains("database", StringComparison.OrdinalIgnoreCase) || text.Contains("critical", StringComparison.OrdinalIgnoreCase)
            ? WorkItemPriority.Emergency
            : WorkItemPriority.Critical;
    }

    private static bool ContainsAny(string text, params string[] words) => words.Any(w => text.Contains(w, StringComparison.Ordinal));

    private static string? FirstIn(string text, string[] words) =>
        words.FirstOrDefault(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));

    private static string Shorten(string text) => text.Clip(80);
}
