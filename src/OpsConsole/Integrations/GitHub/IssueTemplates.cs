using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Integrations.GitHub;

/// <summary>A label with the colour it is created with when the repository does not have it yet.</summary>
public sealed record IssueLabel(string Name, string Color, string Description);

/// <summary>The issue as it would be written: what the outbox sends, and what dry-run and the console show.</summary>
public sealed record IssueDraft(string Title, string Body, IReadOnlyList<IssueLabel> Labels, string? Assignee);

/// <summary>
/// Title, body and labels of a task's issue. The original's two templates (reference §7) are the starting point, without
/// their faults: the title says what happened (not "Task Failure" for a failure nothing has worked on yet), the error and
/// recovery suggestions have sections of their own, input data is real JSON, and every text is redacted.
/// </summary>
public static class IssueTemplates
{
    /// <summary>Every OpsConsole issue carries this label, and its body the task's marker.</summary>
    public static readonly IssueLabel Origin = new("opsconsole", "5319e7", "Opened and kept up to date by OpsConsole");

    public const int MaxTitle = 256;
    public const int MaxLabel = 50;
    private const int MaxBody = 60_000;

    /// <summary>The hidden marker that ties an issue to its task; searched for before creating, so a retry never duplicates.</summary>
    public static string Marker(Guid taskId) => $"<!-- opsconsole-task: {taskId} -->";

    public static IssueDraft Draft(WorkItem task, string consoleUrl, string? assignee) =>
        new(Title(task), Body(task, consoleUrl), Labels(task), string.IsNullOrWhiteSpace(assignee) ? null : assignee.Trim());

    public static string Title(WorkItem task)
    {
        var prefix = task.Kind switch
        {
            WorkItemKind.Deployment when task.Environment == "production" => "🚨",
            WorkItemKind.BugFix => "🐛",
            WorkItemKind.SecurityEnhancement => "🔒",
            _ => "⚙️",
        };
        // A task title that already starts with the symbol ("🚨 PRODUCTION FAILURE: …") keeps its own, not a second one.
        var redacted = Redactor.Redact(task.Title) ?? "";
        var title = redacted.StartsWith(prefix, StringComparison.Ordinal) ? redacted : $"{prefix} {redacted}";
        return title.Length <= MaxTitle ? title : title[..(MaxTitle - 1)] + "…";
    }

    public static string Body(WorkItem task, string consoleUrl)
    {
        var link = $"{consoleUrl.TrimEnd('/')}/tasks/{task.Id}";
        var b = new StringBuilder();
        b.Append(Marker(task.Id)).Append('\n');
        b.Append("## ").Append(Title(task)).Append("\n\n");
        b.Append("| | |\n|---|---|\n");
        Row(b, "Task", $"[{task.Id}]({link})");
        Row(b, "Type", task.Kind.Wire());
        Row(b, "Priority", task.Priority.Wire());
        Row(b, "Status", task.Status.Wire());
        Row(b, "Environment", task.Environment ?? "—");
        Row(b, "Source", task.Source ?? "—");
        Row(b, "Assigned agent", task.AssignedAgent?.Name ?? "not yet assigned");
        Row(b, "Retries", $"{task.RetryCount} of {task.MaxRetries}");
        Row(b, "Escalation level", task.EscalationLevel.ToString(CultureInfo.InvariantCulture));
        Row(b, "Occurrences", $"{task.Occurrences}{(task.FirstSeen is { } first ? $" (first {IssuePolicy.Stamp(first)}, last {IssuePolicy.Stamp(task.LastSeen ?? first)})" : "")}");
        Row(b, "Due", task.DueDate is { } due ? IssuePolicy.Stamp(due) : "no deadline");
        if (task.Fingerprint is { } fingerprint)
        {
            Row(b, "Fingerprint", $"`{fingerprint}`");
        }

        b.Append("\n### Description\n\n").Append(Redactor.Redact(task.Description)?.Trim() is { Length: > 0 } d ? d : "_No description._").Append('\n');
        var input = ParseObject(task.InputData);
        var reported = input?["error_details"] as JsonObject;
        var error = !string.IsNullOrWhiteSpace(task.ErrorDetails) ? task.ErrorDetails
            : reported?["error_message"] is JsonValue message && message.GetValueKind() == JsonValueKind.String ? message.GetValue<string>() : null;
        if (!string.IsNullOrWhiteSpace(error))
        {
            b.Append("\n### Error\n\n```text\n").Append(Redactor.Redact(error.Clip(8_000))).Append("\n```\n");
        }

        if ((input?["recovery_suggestions"] ?? reported?["recovery_suggestions"]) is JsonArray suggestions && suggestions.Count > 0)
        {
            b.Append("\n### Recovery suggestions\n\n");
            foreach (var s in suggestions.OfType<JsonValue>())
            {
                b.Append("- ").Append(Redactor.Redact(s.ToString())).Append('\n');
            }
        }

        if (input is { Count: > 0 })
        {
            var json = ReadableJson.Pretty(Redactor.Redact(input)!.ToJsonString());
            b.Append("\n<details><summary>Input data</summary>\n\n```json\n").Append(json.Clip(20_000)).Append("\n```\n</details>\n");
        }

        b.Append("\n---\n*Opened by OpsConsole. Progress on this task (retries, escalations, reassignment, completion) is posted here; ")
            .Append("see it live in the [console](").Append(link).Append(").*\n");
        var body = b.ToString();
        return body.Length <= MaxBody ? body : body[..MaxBody] + "\n…";
    }

    public static IReadOnlyList<IssueLabel> Labels(WorkItem task)
    {
        var labels = new List<IssueLabel>
        {
            Origin,
            new($"type:{task.Kind.Wire()}", "1d76db", "OpsConsole task type"),
            new($"priority:{task.Priority.Wire()}", PriorityColor(task.Priority), "OpsConsole task priority"),
            new($"status:{task.Status.Wire()}", StatusColor(task.Status), "OpsConsole task status"),
        };
        if (task.Environment is { Length: > 0 } environment)
        {
            labels.Add(new($"env:{environment}", "bfd4f2", "Environment the task is about"));
        }

        if (task.Kind == WorkItemKind.BugFix || task.Source == BugReportTemplate.Source)
        {
            labels.Add(new("bug", "d73a4a", "Something isn't working"));
        }

        // GitHub refuses label names over 50 characters; a long environment name must not stop the issue.
        return labels.Select(l => l.Name.Length <= MaxLabel ? l : l with { Name = l.Name[..MaxLabel] }).ToList();
    }

    private static string PriorityColor(WorkItemPriority p) => p switch
    {
        WorkItemPriority.Emergency => "b60205",
        WorkItemPriority.Critical => "d93f0b",
        WorkItemPriority.High => "fbca04",
        WorkItemPriority.Medium => "c5def5",
        _ => "ededed",
    };

    private static string StatusColor(WorkItemStatus s) => s switch
    {
        WorkItemStatus.Completed => "0e8a16",
        WorkItemStatus.Failed => "b60205",
        WorkItemStatus.Escalated or WorkItemStatus.Blocked => "d93f0b",
        WorkItemStatus.InProgress or WorkItemStatus.Assigned => "0052cc",
        _ => "ededed",
    };

    private static void Row(StringBuilder b, string name, string value) =>
        b.Append("| **").Append(name).Append("** | ").Append(value.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)).Append(" |\n");

    private static JsonObject? ParseObject(string json)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

}
