using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Integrations.GitHub;

/// <summary>A pull_request webhook as the loop reads it.</summary>
public sealed record PullRequestEvent(
    string Action, int Number, string Title, string Body, string Url, PullRequestState State, string HeadSha, string? HeadBranch, string? By);

/// <summary>A check suite or workflow run on a commit: its key (one per run and attempt), name, link and state.</summary>
public sealed record CheckEvent(string Sha, string Key, string Name, string? Url, CheckState State);

/// <summary>Reads GitHub's pull_request, check_suite and workflow_run payloads; null when the payload is not one the loop uses.</summary>
public static class PullRequestEvents
{
    private static readonly string[] Passed = ["success", "neutral", "skipped"];
    private static readonly string[] Failed = ["failure", "timed_out", "startup_failure", "action_required"];

    /// <summary>The head commit a check_run, check_suite or workflow_run is about.</summary>
    public static string? HeadSha(string eventName, JsonObject payload) =>
        eventName is "check_run" or "check_suite" or "workflow_run" ? Text(payload, eventName, "head_sha") : null;

    public static PullRequestEvent? PullRequest(JsonObject payload)
    {
        var pr = payload["pull_request"] as JsonObject;
        var number = Number(pr?["number"]) ?? Number(payload["number"]);
        var sha = Text(payload, "pull_request", "head", "sha");
        if (pr is null || number is not { } n || sha is null)
        {
            return null;
        }

        var merged = pr["merged"]?.GetValueKind() == JsonValueKind.True || Text(pr, "merged_at") is not null;
        var state = Text(pr, "state") == "closed" ? (merged ? PullRequestState.Merged : PullRequestState.Closed)
            : pr["draft"]?.GetValueKind() == JsonValueKind.True ? PullRequestState.Draft
            : PullRequestState.Open;
        var by = merged ? Text(pr, "merged_by", "login") ?? Text(payload, "sender", "login") : Text(payload, "sender", "login");
        return new PullRequestEvent(Text(payload, "action") ?? "", n, Text(pr, "title") ?? $"#{n}", Text(pr, "body") ?? "", Text(pr, "html_url") ?? "",
            state, sha, Text(pr, "head", "ref"), by);
    }

    /// <summary>
    /// A workflow run (key: run id and attempt, so a re-run that fails again is a new run) or another CI app's check suite
    /// (GitHub Actions' own suites are left to workflow_run, which names the workflow and links the run).
    /// </summary>
    public static CheckEvent? Check(string eventName, JsonObject payload)
    {
        var action = Text(payload, "action");
        var sha = HeadSha(eventName, payload);
        if (sha is null)
        {
            return null;
        }

        if (eventName == "workflow_run")
        {
            var id = Text(payload, "workflow_run", "id");
            var state = State(action, Text(payload, "workflow_run", "conclusion"));
            return id is null || state is null ? null : new CheckEvent(sha, $"run:{id}:{Text(payload, "workflow_run", "run_attempt") ?? "1"}",
                Text(payload, "workflow_run", "name") ?? Text(payload, "workflow", "name") ?? "workflow", Text(payload, "workflow_run", "html_url"), state.Value);
        }

        if (eventName == "check_suite" && Text(payload, "check_suite", "app", "slug") != "github-actions")
        {
            var id = Text(payload, "check_suite", "id");
            var state = State(action, Text(payload, "check_suite", "conclusion"));
            return id is null || state is null ? null : new CheckEvent(sha, $"suite:{id}",
                Text(payload, "check_suite", "app", "name") ?? "checks", null, state.Value);
        }

        return null;
    }

    private static CheckState? State(string? action, string? conclusion) => action switch
    {
        "requested" or "rerequested" or "in_progress" => CheckState.Pending,
        "completed" when conclusion is not null && Passed.Contains(conclusion) => CheckState.Success,
        "completed" when conclusion is not null && Failed.Contains(conclusion) => CheckState.Failure,
        _ => null, // cancelled, stale: says nothing about the code
    };

    private static int? Number(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var n) && n > 0 ? n : null;

    private static string? Text(JsonNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            node = node is JsonObject obj && obj.TryGetPropertyValue(key, out var next) ? next : null;
        }

        var text = node?.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.Number => node.ToJsonString(),
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }
}
