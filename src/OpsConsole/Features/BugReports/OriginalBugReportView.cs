using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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
    public OriginalBugReportListItem ListItem(bool assignsToCopilot) => new(
        Report.Id, Report.Title, Report.Severity.Wire(), Report.Severity.Label(), PriorityColor(Report.Severity), Status, StatusDisplay(Status),
        IssueNumber, IssueUrl, assignsToCopilot && IssueNumber is not null, Report.CreatedBy, Report.CreatedOn);

    /// <summary>BugReportSerializer's fields (detail, and the <c>data</c> of create and retry); <paramref name="screenshotUrl"/> when it has one.</summary>
    public OriginalBugReportDetail Detail(bool assignsToCopilot, string screenshotUrl, IReadOnlyList<string> labels) => new(
        Report.Id, Report.Title, Report.Severity.Wire(), Report.Severity.Label(), Status, StatusDisplay(Status),
        IssueNumber, IssueUrl, assignsToCopilot && IssueNumber is not null, Report.CreatedBy, Report.CreatedOn,
        Report.Description,
        Report.StepsToReproduce ?? "",
        Report.ExpectedBehavior ?? "",
        Report.ActualBehavior ?? "",
        Report.Url ?? "",
        Report.PageTitle ?? "",
        Report.BrowserInfo is null ? new JsonObject() : ApiJson.Node(Report.BrowserInfo),
        Report.UserAgent ?? "",
        Report.ApplicationState is null ? new JsonObject() : ApiJson.Node(Report.ApplicationState),
        HasScreenshot ? screenshotUrl : null,
        null,
        Status == "failed" ? DeliveryError ?? "GitHub refused the issue" : "",
        labels,
        Report.CreatedBy,
        Report.ReporterName ?? Report.CreatedBy,
        Report.ReporterEmail ?? "",
        Report.CreatedOn.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        Task is null || Task.ModifiedOn < Report.CreatedOn ? Report.CreatedOn : Task.ModifiedOn,
        Task?.Id);
}

/// <summary>A report in the original's list (BugReportListSerializer).</summary>
public sealed record OriginalBugReportListItem(
    int Id, string Title, string Priority, string PriorityDisplay, string PriorityColor, string Status, string StatusDisplay,
    int? GithubIssueNumber, string GithubIssueUrl, bool AssignedToCopilot, string ReporterUsername, DateTime CreatedOn);

/// <summary>
/// A report as the original's detail shows it (BugReportSerializer): the list's fields but the colour, then the report's text,
/// what the browser sent (<c>browser_info</c> and <c>application_state</c> as stored, any JSON), the screenshot's address, the
/// GitHub side and who reported it.
/// </summary>
public sealed record OriginalBugReportDetail(
    int Id, string Title, string Priority, string PriorityDisplay, string Status, string StatusDisplay,
    int? GithubIssueNumber, string GithubIssueUrl, bool AssignedToCopilot, string ReporterUsername, DateTime CreatedOn,
    string Description, string StepsToReproduce, string ExpectedBehavior, string ActualBehavior, string CurrentUrl, string PageTitle,
    JsonNode? BrowserInfo, string UserAgent, JsonNode? ApplicationState, string? Screenshot, string? AdditionalFiles, string ErrorMessage,
    IReadOnlyList<string> Labels, string Reporter, string ReporterFullName, string ReporterEmail, string CreatedOnFormatted,
    DateTime ModifiedOn, Guid? TaskId);

/// <summary>The original's answer to create (201) and retry_github_creation (200): success, a message and the report.</summary>
public sealed record OriginalBugReportAnswer(bool Success, string Message, OriginalBugReportDetail Data);

/// <summary>The original's user_reports/: the caller's reports, newest first.</summary>
public sealed record OriginalUserReportsDto(bool Success, int Count, IReadOnlyList<OriginalBugReportListItem> Data);

/// <summary>The original's index of its bug-report API.</summary>
public sealed record OriginalBugReportIndex([property: JsonPropertyName("bug-reports")] string BugReports);
