using System.Globalization;
using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.Features.BugReports;

/// <summary>
/// A report as the original's API shows it (apps/bug_reports serializers). The original kept the GitHub side on the report;
/// OpsConsole keeps it on the task made from the report (its issue goes through the GitHub outbox), so status, the issue and
/// its error are read from that task.
/// </summary>
public sealed record OriginalBugReportView(BugReport Report, WorkItem? Task, bool HasScreenshot = false, string? DeliveryError = null)
{
    public static readonly string[] Statuses = ["pending", "submitted", "in_progress", "resolved", "failed"];

    /// <summary>pending (no issue yet), submitted (the issue exists), in_progress (an agent works on it), resolved (the task completed), failed (GitHub refused the issue).</summary>
    public string Status => Task switch
    {
        { Status: WorkItemStatus.Completed } => "resolved",
        { GithubIssueState: GitHubIssueState.Failed } => "failed",
        { Status: WorkItemStatus.InProgress or WorkItemStatus.Review } => "in_progress",
        _ when IssueNumber is not null => "submitted",
        _ => "pending",
    };

    public int? IssueNumber => Report.GithubIssueNumber ?? Task?.GithubIssueNumber;

    public string IssueUrl => Report.GithubIssueUrl ?? Task?.GithubIssueUrl ?? "";

    public static string StatusDisplay(string status) => status switch
    {
        "submitted" => "Submitted to GitHub",
        "in_progress" => "In Progress",
        "resolved" => "Resolved",
        "failed" => "Failed to Submit",
        _ => "Pending",
    };

    /// <summary>The original's colours per priority (BugReport.priority_display_color).</summary>
    public static string PriorityColor(WorkItemPriority priority) => priority switch
    {
        WorkItemPriority.Low => "#28a745",
        WorkItemPriority.Medium => "#ffc107",
        WorkItemPriority.High => "#fd7e14",
        WorkItemPriority.Critical => "#dc3545",
        _ => "#6c757d",
    };

    /// <summary>BugReportListSerializer's fields.</summary>
    public JsonObject ListItem(bool assignsToCopilot) => new()
    {
        ["id"] = Report.Id,
        ["title"] = Report.Title,
        ["priority"] = Report.Severity.Wire(),
        ["priority_display"] = Report.Severity.Label(),
        ["priority_color"] = PriorityColor(Report.Severity),
        ["status"] = Status,
        ["status_display"] = StatusDisplay(Status),
        ["github_issue_number"] = IssueNumber,
        ["github_issue_url"] = IssueUrl,
        ["assigned_to_copilot"] = assignsToCopilot && IssueNumber is not null,
        ["reporter_username"] = Report.CreatedBy,
        ["created_on"] = ApiJson.Timestamp(Report.CreatedOn),
    };

    /// <summary>BugReportSerializer's fields (detail, and the <c>data</c> of create and retry); <paramref name="screenshotUrl"/> when it has one.</summary>
    public JsonObject Detail(bool assignsToCopilot, string screenshotUrl, IReadOnlyList<string> labels)
    {
        var detail = ListItem(assignsToCopilot);
        detail.Remove("priority_color");
        foreach (var (key, value) in new Dictionary<string, JsonNode?>
        {
            ["description"] = Report.Description,
            ["steps_to_reproduce"] = Report.StepsToReproduce ?? "",
            ["expected_behavior"] = Report.ExpectedBehavior ?? "",
            ["actual_behavior"] = Report.ActualBehavior ?? "",
            ["current_url"] = Report.Url ?? "",
            ["page_title"] = Report.PageTitle ?? "",
            ["browser_info"] = Report.BrowserInfo is null ? new JsonObject() : ApiJson.Node(Report.BrowserInfo),
            ["user_agent"] = Report.UserAgent ?? "",
            ["application_state"] = Report.ApplicationState is null ? new JsonObject() : ApiJson.Node(Report.ApplicationState),
            ["screenshot"] = HasScreenshot ? screenshotUrl : null,
            ["additional_files"] = null,
            ["error_message"] = Status == "failed" ? DeliveryError ?? "GitHub refused the issue" : "",
            ["labels"] = new JsonArray([.. labels.Select(l => (JsonNode?)JsonValue.Create(l))]),
            ["reporter"] = Report.CreatedBy,
            ["reporter_full_name"] = Report.ReporterName ?? Report.CreatedBy,
            ["reporter_email"] = Report.ReporterEmail ?? "",
            ["created_on_formatted"] = Report.CreatedOn.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            ["modified_on"] = ApiJson.Timestamp(Task is null || Task.ModifiedOn < Report.CreatedOn ? Report.CreatedOn : Task.ModifiedOn),
            ["task_id"] = Task?.Id.ToString(),
        })
        {
            detail[key] = value;
        }

        return detail;
    }
}
