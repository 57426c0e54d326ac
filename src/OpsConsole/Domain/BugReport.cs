using System.Text;
using System.Text.Json.Nodes;

namespace OpsConsole.Domain;

/// <summary>A bug someone reported (reference §1.9, the fields a task needs); its text is redacted before it is stored.</summary>
public sealed class BugReport
{
    public int Id { get; private set; }
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public string? StepsToReproduce { get; init; }
    public string? ExpectedBehavior { get; init; }
    public string? ActualBehavior { get; init; }

    /// <summary>The reporter's severity: low, medium, high or critical (the bug's priority in the original).</summary>
    public WorkItemPriority Severity { get; init; } = WorkItemPriority.Medium;
    public string? ReporterName { get; init; }
    public string? ReporterEmail { get; init; }
    public string? Url { get; init; }
    public string? PageTitle { get; init; }

    /// <summary>Browser details as the client sent them (JSON text).</summary>
    public string? BrowserInfo { get; init; }
    public string? UserAgent { get; init; }

    /// <summary>The application's state when the bug happened (JSON text).</summary>
    public string? ApplicationState { get; init; }
    public string? Environment { get; init; }
    public int? GithubIssueNumber { get; init; }
    public string? GithubIssueUrl { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedOn { get; init; }

    /// <summary>The task last made from this report.</summary>
    public Guid? WorkItemId { get; private set; }

    public void TaskCreated(Guid workItemId) => WorkItemId = workItemId;

    public static readonly WorkItemPriority[] Severities = [WorkItemPriority.Low, WorkItemPriority.Medium, WorkItemPriority.High, WorkItemPriority.Critical];
}

/// <summary>
/// A report's screenshot, as the original's bug-report form sends it (a data URL), decoded; kept apart from the report so
/// lists never read the image.
/// </summary>
public sealed class BugReportScreenshot
{
    public const int MaxBytes = 700 * 1024;

    public static readonly string[] ImageTypes = ["image/png", "image/jpeg", "image/gif", "image/webp"];

    public int BugReportId { get; init; }
    public string ContentType { get; init; } = "image/png";
    public byte[] Data { get; init; } = [];

    /// <summary>
    /// Reads <c>data:image/png;base64,…</c> (an image type, base64, at most <see cref="MaxBytes"/> decoded); null and a
    /// message when it is not one.
    /// </summary>
    public static (string? ContentType, byte[]? Data, string? Error) Parse(string dataUrl)
    {
        const string usage = "send the image as a data URL such as data:image/png;base64,iVBORw0… (or leave screenshot out)";
        var comma = dataUrl.IndexOf(',');
        if (!dataUrl.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase) || comma < 0
            || !dataUrl.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return (null, null, $"screenshot is not an image data URL; {usage}");
        }

        var contentType = dataUrl[5..comma].Split(';')[0].ToLowerInvariant();
        if (!ImageTypes.Contains(contentType))
        {
            // Only raster images: an SVG served back from this origin could run script.
            return (null, null, $"screenshot's image type '{TextClip.Clip(contentType, 50)}' is not allowed; allowed: {string.Join(", ", ImageTypes)}");
        }

        var data = new byte[(dataUrl.Length - comma) * 3 / 4 + 3];
        if (!Convert.TryFromBase64String(dataUrl[(comma + 1)..], data, out var length))
        {
            return (null, null, $"screenshot's data is not valid base64; {usage}");
        }

        return length > MaxBytes
            ? (null, null, $"screenshot is {length / 1024} KiB; at most {MaxBytes / 1024} KiB is kept (send a smaller or compressed image)")
            : (contentType, data[..length], null);
    }
}

/// <summary>The bug-report task of reference §5: title, description and input_data templates.</summary>
public static class BugReportTemplate
{
    public const int MaxTitle = 200;
    public static readonly TimeSpan Estimate = TimeSpan.FromHours(4);
    public const string Source = "bug_report";

    public static string Title(BugReport bug)
    {
        var title = $"🐛 Bug Fix: {bug.Title}";
        return title.Length <= MaxTitle ? title : title[..(MaxTitle - 1)] + "…";
    }

    /// <summary>The reporter as the task's owner: the name, else the e-mail, else who filed it.</summary>
    public static string Reporter(BugReport bug) => bug.ReporterName ?? bug.ReporterEmail ?? bug.CreatedBy;

    public static string Description(BugReport bug, WorkItemPriority taskPriority)
    {
        var priority = bug.Severity.Label() + (taskPriority == bug.Severity ? "" : $" (task priority overridden to {taskPriority.Label()})");
        return new StringBuilder()
            .Append("\nBUG REPORT TASK\n\n")
            .Append("Original Report: ").Append(bug.Title).Append('\n')
            .Append("Reporter: ").Append(bug.ReporterName ?? bug.CreatedBy).Append('\n')
            .Append("Email: ").Append(bug.ReporterEmail ?? "").Append('\n')
            .Append("Priority: ").Append(priority).Append("\n\n")
            .Append("Description:\n").Append(bug.Description).Append("\n\n")
            .Append("Steps to Reproduce:\n").Append(bug.StepsToReproduce ?? "").Append("\n\n")
            .Append("Expected Behavior:\n").Append(bug.ExpectedBehavior ?? "").Append("\n\n")
            .Append("Actual Behavior:\n").Append(bug.ActualBehavior ?? "").Append("\n\n")
            .Append("Technical Context:\n")
            .Append("- URL: ").Append(bug.Url ?? "").Append('\n')
            .Append("- Page: ").Append(bug.PageTitle ?? "").Append('\n')
            .Append("- Browser Info: ").Append(bug.BrowserInfo ?? "").Append('\n')
            .Append("- User Agent: ").Append(bug.UserAgent ?? "").Append("\n\n")
            .Append("Bug Report ID: ").Append(bug.Id).Append('\n')
            .Append("GitHub Issue: ").Append(bug.GithubIssueUrl ?? "Not created yet").Append('\n')
            .ToString();
    }

    public static string InputData(BugReport bug) => new JsonObject
    {
        ["bug_report_id"] = bug.Id,
        ["github_issue_number"] = bug.GithubIssueNumber,
        ["github_issue_url"] = bug.GithubIssueUrl,
        ["reporter_info"] = new JsonObject { ["username"] = bug.ReporterName ?? bug.CreatedBy, ["email"] = bug.ReporterEmail },
        ["context"] = new JsonObject
        {
            ["url"] = bug.Url,
            ["page_title"] = bug.PageTitle,
            ["browser_info"] = Json(bug.BrowserInfo),
            ["user_agent"] = bug.UserAgent,
            ["application_state"] = Json(bug.ApplicationState),
        },
        ["auto_created"] = true,
        ["source"] = Source,
    }.ToJsonString();

    private static JsonNode? Json(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
