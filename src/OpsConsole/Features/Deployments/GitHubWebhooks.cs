using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Features.Deployments;

/// <summary>X-Hub-Signature-256: the HMAC-SHA256 of the raw body with the shared secret, compared in constant time.</summary>
public static class GitHubSignature
{
    public const string Header = "X-Hub-Signature-256";

    public static bool IsValid(ReadOnlySpan<byte> body, string? header, string secret)
    {
        if (string.IsNullOrWhiteSpace(header) || !header.Trim().StartsWith("sha256=", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var hex = header.Trim()[7..];
        if (hex.Length != 64)
        {
            return false;
        }

        byte[] expected;
        try
        {
            expected = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
}

/// <summary>What a webhook delivery means: the failures it reports, or why it reports none.</summary>
public sealed record WebhookMeaning(IReadOnlyList<FailureReport> Failures, string? Ignored);

/// <summary>
/// GitHub's own payloads as failures: a completed workflow_run or check_run that concluded failure, timed_out or
/// startup_failure, and a deployment_status of failure or error. Workflow and check failures have no deployment id, so
/// repeats of the same workflow failing on the same branch are one problem; a deployment's failures are per deployment.
/// </summary>
public static class GitHubFailureEvents
{
    public static readonly string[] Handled = ["workflow_run", "check_run", "deployment_status"];

    private static readonly string[] FailedConclusions = ["failure", "timed_out", "startup_failure"];
    private static readonly string[] FailedDeploymentStates = ["failure", "error"];

    public static WebhookMeaning Interpret(string eventName, JsonObject payload, string defaultEnvironment, string deliveryId)
    {
        var origin = $"GitHub delivery {deliveryId}";
        var repository = Text(payload, "repository", "full_name");
        return eventName switch
        {
            "workflow_run" => WorkflowRun(payload, repository, defaultEnvironment, origin),
            "check_run" => CheckRun(payload, repository, defaultEnvironment, origin),
            "deployment_status" => DeploymentStatus(payload, repository, defaultEnvironment, origin),
            "ping" => new([], "ping: the webhook is set up"),
            "issues" => new([], "issue events update the task linked to the issue"),
            _ => new([], $"'{eventName}' events are not failures; subscribe to {string.Join(", ", Handled)}"),
        };
    }

    private static WebhookMeaning WorkflowRun(JsonObject payload, string? repository, string defaultEnvironment, string origin)
    {
        var run = CompletedRun.Read(payload, "workflow_run", repository, defaultEnvironment, origin);
        if (run.NotAFailure is { } notAFailure)
        {
            return new([], notAFailure);
        }

        var name = Text(payload, "workflow_run", "name") ?? Text(payload, "workflow", "name") ?? "workflow";
        var branch = Text(payload, "workflow_run", "head_branch") ?? "unknown branch";
        var sha = Text(payload, "workflow_run", "head_sha");
        var runNumber = Text(payload, "workflow_run", "run_number");
        var attempt = Text(payload, "workflow_run", "run_attempt") ?? "1";
        var trigger = Text(payload, "workflow_run", "event");
        var title = Text(payload, "workflow_run", "display_title");
        var message = $"Workflow '{name}' concluded {run.Conclusion} on {branch} (run #{runNumber}, attempt {attempt}, commit {Short(sha)}{(trigger is null ? "" : $", triggered by {trigger}")})"
            + (title is null ? "" : $": {title}");
        return new([run.Failure("workflow", name, branch, sha, message) with
        {
            OccurredAt = Time(payload, "workflow_run", "updated_at"),
            Hostname = "github-actions",
            DeploymentMethod = "GitHub Actions",
            User = Text(payload, "workflow_run", "triggering_actor", "login") ?? Text(payload, "sender", "login"),
            Url = Text(payload, "workflow_run", "html_url"),
        }], null);
    }

    private static WebhookMeaning CheckRun(JsonObject payload, string? repository, string defaultEnvironment, string origin)
    {
        var run = CompletedRun.Read(payload, "check_run", repository, defaultEnvironment, origin);
        if (run.NotAFailure is { } notAFailure)
        {
            return new([], notAFailure);
        }

        var name = Text(payload, "check_run", "name") ?? "check";
        var branch = Text(payload, "check_run", "check_suite", "head_branch") ?? "unknown branch";
        var sha = Text(payload, "check_run", "head_sha");
        var title = Text(payload, "check_run", "output", "title");
        var summary = Text(payload, "check_run", "output", "summary");
        var message = $"Check '{name}' concluded {run.Conclusion} on {branch} (commit {Short(sha)})"
            + (title is null ? "" : $": {title}")
            + (summary is null ? "" : $"\n\n{(summary.Length > 4000 ? summary[..4000] + "…" : summary)}");
        return new([run.Failure("check", name, branch, sha, message) with
        {
            OccurredAt = Time(payload, "check_run", "completed_at"),
            Hostname = Text(payload, "check_run", "app", "slug") ?? "github-checks",
            DeploymentMethod = "GitHub Checks",
            User = Text(payload, "sender", "login"),
            Url = Text(payload, "check_run", "html_url") ?? Text(payload, "check_run", "details_url"),
        }], null);
    }

    /// <summary>
    /// A workflow_run or check_run event, <paramref name="Kind"/>: a failure when it completed with a failed conclusion,
    /// else why it is none. What both kinds of failure share is made here; each adds its own run's details.
    /// </summary>
    private sealed record CompletedRun(string Kind, string? Conclusion, string? NotAFailure, string? Repository, string DefaultEnvironment, string Origin)
    {
        public static CompletedRun Read(JsonObject payload, string kind, string? repository, string defaultEnvironment, string origin)
        {
            var action = Text(payload, "action");
            var conclusion = Text(payload, kind, "conclusion");
            var failed = action == "completed" && conclusion is not null && FailedConclusions.Contains(conclusion);
            return new(kind, conclusion, failed ? null : $"{kind} {action ?? "?"} with conclusion {conclusion ?? "none"} is not a failure",
                repository, defaultEnvironment, origin);
        }

        /// <summary>The failure, one problem per <paramref name="what"/> (workflow, check), repository, name, conclusion and branch.</summary>
        public FailureReport Failure(string what, string name, string branch, string? sha, string message) => new()
        {
            Channel = FailureChannels.GitHubWebhook,
            ErrorMessage = message,
            Step = name,
            Environment = EnvironmentNames.Normalize(null, DefaultEnvironment),
            Domain = Repository,
            GitBranch = branch,
            GitCommit = sha,
            Reason = $"{Kind} concluded {Conclusion}",
            Signature = $"{what} {Repository} {name} {Conclusion} on {branch}",
            Origin = Origin,
        };
    }

    private static WebhookMeaning DeploymentStatus(JsonObject payload, string? repository, string defaultEnvironment, string origin)
    {
        var state = Text(payload, "deployment_status", "state");
        if (state is null || !FailedDeploymentStates.Contains(state))
        {
            return new([], $"deployment_status {state ?? "none"} is not a failure");
        }

        var deploymentId = Text(payload, "deployment", "id");
        var environment = Text(payload, "deployment_status", "environment") ?? Text(payload, "deployment", "environment");
        var reference = Text(payload, "deployment", "ref");
        var sha = Text(payload, "deployment", "sha");
        var description = Text(payload, "deployment_status", "description");
        var normalized = EnvironmentNames.Normalize(environment, defaultEnvironment);
        var message = $"Deployment {deploymentId} of {reference ?? "?"} ({Short(sha)}) to {environment ?? normalized} ended in {state}"
            + (description is null ? "" : $": {description}");
        return new([new FailureReport
        {
            Channel = FailureChannels.GitHubWebhook,
            DeploymentId = deploymentId is null ? null : $"github-deployment-{deploymentId}",
            ErrorMessage = message,
            Step = Text(payload, "deployment", "task") ?? "deploy",
            Environment = normalized,
            OccurredAt = Time(payload, "deployment_status", "created_at"),
            Hostname = "github-deployments",
            Domain = repository,
            DeploymentMethod = "GitHub Deployments",
            GitBranch = reference,
            GitCommit = sha,
            User = Text(payload, "deployment_status", "creator", "login") ?? Text(payload, "sender", "login"),
            Url = Text(payload, "deployment_status", "log_url") ?? Text(payload, "deployment_status", "target_url") ?? Text(payload, "deployment", "url"),
            Reason = $"deployment_status {state}",
            Origin = origin,
        }], null);
    }

    private static string? Text(JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(key, out var next) ? next : null;
        }

        if (node is not JsonValue value)
        {
            return null;
        }

        var text = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        };
        text = text?.Trim();
        return string.IsNullOrEmpty(text) ? null : text.Length > 2000 ? text[..2000] + "…" : text;
    }

    private static DateTime? Time(JsonNode? node, params string[] path) =>
        LogTimestamps.TryParse(Text(node, path), null, out var at) ? at : null;

    private static string Short(string? sha) => sha is { Length: > 7 } ? sha[..7] : sha ?? "unknown";
}
