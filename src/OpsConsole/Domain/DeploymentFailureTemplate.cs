using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OpsConsole.Domain;

/// <summary>What a deployment failure's task says: title, description, priority and input data (reference §5–6).</summary>
public sealed record DeploymentFailureTask(
    string Title,
    string Description,
    WorkItemPriority Priority,
    string Severity,
    IReadOnlyList<string> RecoverySuggestions,
    string InputData);

/// <summary>The production-failure templates of reference §5, for every environment and with the severity and suggestions of §6.</summary>
public static class DeploymentFailureTemplate
{
    public const int MaxTitle = 200;
    public static readonly TimeSpan DueIn = TimeSpan.FromHours(1);
    public static readonly TimeSpan Estimate = TimeSpan.FromHours(2);
    public const string InputSource = "production_deployment_failure";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static DeploymentFailureTask For(FailureReport report, string fingerprint, DateTime now)
    {
        var severity = FailureDetector.Severity(report.ErrorMessage, report.Step);
        var suggestions = FailureDetector.RecoverySuggestions(report.ErrorMessage, report.Step);
        var priority = FailureDetector.Priority(report.ErrorMessage, report.Step, severity);
        var at = report.OccurredAt ?? now;
        var serverInfo = ServerInfo(report);
        var environmentWord = report.Environment.ToUpperInvariant();

        var input = new JsonObject
        {
            ["deployment_id"] = report.DeploymentId,
            ["error_details"] = new JsonObject
            {
                ["error_message"] = report.ErrorMessage,
                ["failed_step"] = report.Step,
                ["severity"] = severity,
                ["recovery_suggestions"] = new JsonArray(suggestions.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
                ["timestamp"] = Iso(at),
                ["source"] = ErrorSource(report.Channel),
                ["reported_source"] = report.ReportedSource,
                ["detected_because"] = report.Reason,
            },
            ["server_info"] = serverInfo,
            ["failure_timestamp"] = Iso(at),
            ["auto_created"] = true,
            ["source"] = InputSource,
            ["channel"] = report.Channel,
            ["environment"] = report.Environment,
            ["fingerprint"] = fingerprint,
            ["origin"] = report.Origin,
            ["url"] = report.Url,
        };

        var description = new StringBuilder()
            .Append('\n')
            .Append(environmentWord).Append(" DEPLOYMENT FAILURE - IMMEDIATE ACTION REQUIRED\n\n")
            .Append("Deployment ID: ").Append(report.DeploymentId ?? "Not provided").Append('\n')
            .Append("Timestamp: ").Append(Iso(at)).Append('\n')
            .Append("Server: ").Append(report.Hostname ?? "Unknown").Append('\n')
            .Append("Domain: ").Append(report.Domain ?? "Unknown").Append("\n\n")
            .Append("Error Details:\n").Append(string.IsNullOrWhiteSpace(report.ErrorMessage) ? "No error message provided" : report.ErrorMessage).Append("\n\n")
            .Append("Failed Step: ").Append(report.Step).Append("\n\n")
            .Append("Environment: ").Append(report.Environment).Append('\n')
            .Append("Severity: ").Append(severity).Append('\n')
            .Append("Source: ").Append(report.Source).Append(report.Origin is null ? "" : $" ({report.Origin})").Append('\n')
            .Append(report.Url is null ? "" : $"Link: {report.Url}\n")
            .Append("Detected because: ").Append(report.Reason).Append("\n\n")
            .Append("Recovery Suggestions:\n").Append(string.Concat(suggestions.Select(s => $"- {s}\n"))).Append('\n')
            .Append("Server Configuration:\n").Append(serverInfo.ToJsonString(Indented)).Append("\n\n")
            .Append("This task was automatically created by the AI Orchestration Engine in response to a ")
            .Append(report.Environment.ToLowerInvariant()).Append(" deployment failure.\n")
            .Append("Immediate investigation and resolution required to restore service.\n");

        return new DeploymentFailureTask(Title(report), description.ToString(), priority, severity, suggestions, input.ToJsonString());
    }

    /// <summary>"🚨 PRODUCTION FAILURE: {deployment id}", or the step and message when there is no id.</summary>
    public static string Title(FailureReport report)
    {
        var subject = report.DeploymentId
            ?? (report.Step is "Unknown" ? OneLine(report.ErrorMessage) : $"{report.Step}: {OneLine(report.ErrorMessage)}");
        var title = $"🚨 {report.Environment.ToUpperInvariant()} FAILURE: {subject}";
        return title.Length <= MaxTitle ? title : title[..(MaxTitle - 1)] + "…";
    }

    /// <summary>Reference §6's server_info with its defaults, plus anything the sender added.</summary>
    public static JsonObject ServerInfo(FailureReport report)
    {
        var info = new JsonObject
        {
            ["hostname"] = report.Hostname ?? "Unknown",
            ["domain"] = report.Domain ?? "Unknown",
            ["deployment_method"] = report.DeploymentMethod ?? "AI Deployment Orchestrator",
            ["git_branch"] = report.GitBranch ?? "main",
            ["git_commit"] = report.GitCommit,
            ["user"] = report.User ?? "root",
            ["exit_code"] = report.ExitCode ?? -1,
            ["duration"] = report.Duration,
        };
        if (report.ServerExtra is { } extra)
        {
            foreach (var (key, value) in extra)
            {
                if (!info.ContainsKey(key))
                {
                    info[key] = value?.DeepClone();
                }
            }
        }

        return info;
    }

    /// <summary>error_details.source as the original named it for the monitor and the manual route.</summary>
    public static string ErrorSource(string channel) => channel switch
    {
        FailureChannels.DeploymentLog => "production_deployment_monitor",
        _ => channel,
    };

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length > 150 ? line[..150] + "…" : line;
    }

    private static string Iso(DateTime utc) => utc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
