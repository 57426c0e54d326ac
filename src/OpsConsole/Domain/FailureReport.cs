using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>Where a failure came in; the task's <c>source</c> (and what the dashboard counts as a deployment failure).</summary>
public static class FailureChannels
{
    public const string DeploymentLog = "deployment_log";
    public const string GitHubWebhook = "github_webhook";
    public const string FailureApi = "failure_api";
    public const string ManualApi = "manual_api_creation";

    public static readonly string[] All = [DeploymentLog, GitHubWebhook, FailureApi, ManualApi];
}

/// <summary>
/// A deployment failure ready to become (or join) a task, whatever it came from: a log entry, a webhook or the API.
/// Its text is redacted (<see cref="Redacted"/>) before anything of it is stored.
/// </summary>
public sealed record FailureReport
{
    public required string Channel { get; init; }

    /// <summary>What the sender called itself (<c>source</c> of a posted failure), when it did.</summary>
    public string? ReportedSource { get; init; }
    public string? DeploymentId { get; init; }
    public required string ErrorMessage { get; init; }
    public string Step { get; init; } = "Unknown";
    public required string Environment { get; init; }
    public DateTime? OccurredAt { get; init; }
    public string? Hostname { get; init; }
    public string? Domain { get; init; }
    public string? DeploymentMethod { get; init; }
    public string? GitBranch { get; init; }
    public string? GitCommit { get; init; }
    public string? User { get; init; }
    public string? Duration { get; init; }
    public int? ExitCode { get; init; }
    public string? Url { get; init; }

    /// <summary>Why it counts as a failure (the detector's reason or the event).</summary>
    public string Reason { get; init; } = "";

    /// <summary>The text the fingerprint is built from instead of the message (a webhook's workflow and branch, say).</summary>
    public string? Signature { get; init; }

    /// <summary>Where exactly it was seen: "deployment_log.json line 42", "delivery 72d3162e…".</summary>
    public string? Origin { get; init; }

    /// <summary>More server facts to show (create_from_deployment_failure's additional_info).</summary>
    public JsonObject? ServerExtra { get; init; }

    public string Source => ReportedSource ?? Channel;

    /// <summary>A failure from a log entry or a posted entry (reference §6's DeploymentError, minus the time-based id).</summary>
    public static FailureReport FromEntry(DeploymentEntry entry, string channel, string defaultEnvironment, string reason, string? origin = null) => new()
    {
        Channel = channel,
        ReportedSource = entry.Source,
        DeploymentId = entry.DeploymentId,
        ErrorMessage = FailureDetector.ErrorMessageOf(entry),
        Step = string.IsNullOrWhiteSpace(entry.Step) ? "Unknown" : entry.Step,
        Environment = EnvironmentNames.Normalize(entry.Environment, defaultEnvironment),
        OccurredAt = entry.Timestamp,
        Hostname = entry.Hostname,
        Domain = entry.Domain,
        DeploymentMethod = entry.DeploymentMethod,
        GitBranch = entry.GitBranch,
        GitCommit = entry.GitCommit,
        User = entry.User,
        Duration = entry.Duration,
        ExitCode = entry.ExitCode,
        Url = entry.Url,
        Reason = reason,
        Origin = origin,
    };

    /// <summary>The same report with every secret in its text masked.</summary>
    public FailureReport Redacted() => this with
    {
        Environment = Redactor.Redact(Environment) ?? "",
        ReportedSource = Redactor.Redact(ReportedSource),
        Channel = Redactor.Redact(Channel) ?? "",
        DeploymentId = Redactor.Redact(DeploymentId),
        ErrorMessage = Redactor.Redact(ErrorMessage) ?? "",
        Step = Redactor.Redact(Step) ?? "Unknown",
        Hostname = Redactor.Redact(Hostname),
        Domain = Redactor.Redact(Domain),
        DeploymentMethod = Redactor.Redact(DeploymentMethod),
        GitBranch = Redactor.Redact(GitBranch),
        GitCommit = Redactor.Redact(GitCommit),
        User = Redactor.Redact(User),
        Duration = Redactor.Redact(Duration),
        Url = Redactor.Redact(Url),
        Reason = Redactor.Redact(Reason) ?? "",
        Signature = Redactor.Redact(Signature),
        Origin = Redactor.Redact(Origin),
        ServerExtra = ServerExtra is null ? null : (JsonObject?)Redactor.Redact(ServerExtra),
    };
}

/// <summary>
/// One task per problem: the deployment id when there is one; otherwise the source, environment, step and the error
/// message with its numbers, ids and hashes masked, so "timeout after 30s on 10.0.0.5" and "…31s on 10.0.0.6" are one problem.
/// </summary>
public static partial class FailureFingerprint
{
    public const int MaxLength = 100;

    [GeneratedRegex(@"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    [GeneratedRegex(@"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b", RegexOptions.CultureInvariant)]
    private static partial Regex IpAddress();

    [GeneratedRegex(@"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HexHash();

    [GeneratedRegex(@"\b(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{10,}\b", RegexOptions.CultureInvariant)]
    private static partial Regex MixedId();

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    public static string Of(FailureReport report) =>
        !string.IsNullOrWhiteSpace(report.DeploymentId)
            ? ForDeployment(report.DeploymentId)
            : ForSignature(report.Source, report.Environment, report.Step, report.Signature ?? report.ErrorMessage);

    public static string ForDeployment(string deploymentId)
    {
        var id = deploymentId.Trim();
        var readable = "deployment:" + id;
        return readable.Length <= MaxLength ? readable : "deployment#" + Digest(id);
    }

    public static string ForSignature(string source, string environment, string step, string message) =>
        "signature:" + Digest(string.Join('\u001f', source.Trim().ToLowerInvariant(), environment.Trim().ToLowerInvariant(), Normalize(step), Normalize(message)));

    /// <summary>The message as a problem, not an instance of it: lower case, numbers/ids/hashes/addresses masked, spaces collapsed.</summary>
    public static string Normalize(string text)
    {
        var result = text.Length > 2000 ? text[..2000] : text;
        result = Uuid().Replace(result, "<uuid>");
        result = IpAddress().Replace(result, "<ip>");
        result = HexHash().Replace(result, "<hash>");
        result = MixedId().Replace(result, "<id>");
        result = Number().Replace(result, "<n>");
        result = Whitespace().Replace(result, " ");
        return result.Trim().TrimEnd('.', '!', ':').ToLowerInvariant();
    }

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..40];
}
