using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.BugReports;

/// <summary>
/// Reads a bug report's fields from a request body, for both route families: the original's names (<c>priority</c>,
/// <c>current_url</c>, <c>screenshot</c>) and OpsConsole's (<c>severity</c>, <c>url</c>) are both accepted and stored once; a body
/// that sends both names with different values is refused rather than one of them being dropped.
/// </summary>
public static class BugReportFields
{
    /// <summary>Every field a report may carry (either name), for the check that a body sends a report or an id, not both.</summary>
    public static readonly string[] All =
    [
        "title", "description", "priority", "severity", "steps_to_reproduce", "expected_behavior", "actual_behavior", "reporter_name",
        "reporter_email", "current_url", "url", "page_title", "browser_info", "user_agent", "application_state", "screenshot", "environment",
        "github_issue_number", "github_issue_url",
    ];

    /// <summary>The report's fields; errors are collected on <paramref name="body"/> (null when there are any).</summary>
    public static BugReportInput? Read(JsonBody body, GitHubOptions github)
    {
        var issueLink = body.String("github_issue_url", max: 500);
        if (issueLink is not null && !github.IsIssueLink(issueLink))
        {
            body.Error("github_issue_url", $"github_issue_url must be an https:// link to an issue on {github.WebAddress} (e.g. {github.WebAddress}/owner/repo/issues/12)");
        }

        var priorityField = Sent(body, "priority", "severity");
        var urlField = Sent(body, "current_url", "url");
        var title = body.String("title", required: true, max: BugReportTemplate.MaxTitle);
        var description = body.String("description", required: true, max: WorkItemEndpoints.MaxDescription / 2);
        var priority = body.Enum<WorkItemPriority>(priorityField);
        if (priority is { } p && !BugReport.Severities.Contains(p))
        {
            body.Error(priorityField, $"{priorityField} '{p.Wire()}' is not allowed for a bug report; allowed: low, medium, high, critical (use override_priority for emergency)");
        }

        var email = body.String("reporter_email", max: 254);
        if (email is not null && (email.IndexOf('@') is <= 0 || email.EndsWith('@') || email.Contains(' ')))
        {
            body.Error("reporter_email", $"reporter_email '{email}' is not an e-mail address");
        }

        var environment = body.String("environment", max: 50);
        if (environment is not null && !EnvironmentNames.IsValid(environment))
        {
            body.Error("environment", $"environment '{environment}' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)");
        }

        var input = new BugReportInput
        {
            Title = title ?? "",
            Description = description ?? "",
            Severity = priority ?? WorkItemPriority.Medium,
            StepsToReproduce = body.String("steps_to_reproduce", max: 10_000, allowEmpty: true),
            ExpectedBehavior = body.String("expected_behavior", max: 10_000, allowEmpty: true),
            ActualBehavior = body.String("actual_behavior", max: 10_000, allowEmpty: true),
            ReporterName = body.String("reporter_name", max: 150),
            ReporterEmail = email,
            Url = body.String(urlField, max: 2000),
            PageTitle = body.String("page_title", max: 500),
            BrowserInfo = ObjectOrText(body, "browser_info"),
            UserAgent = body.String("user_agent", max: 1000),
            ApplicationState = body.Object("application_state", 64 * 1024),
            Screenshot = Screenshot(body),
            Environment = environment,
            GithubIssueNumber = body.Int("github_issue_number", 1, int.MaxValue),
            GithubIssueUrl = issueLink,
        };
        return body.IsValid ? input : null;
    }

    /// <summary>
    /// Which name of a field to read: the one the client sent (so a message names what it sent), the original's when it sent
    /// both with one value; two different values are refused.
    /// </summary>
    private static string Sent(JsonBody body, string original, string ours)
    {
        if (!body.Json.TryGetPropertyValue(ours, out var value) || value is null)
        {
            return original;
        }

        if (!body.Json.TryGetPropertyValue(original, out var other) || other is null)
        {
            return ours;
        }

        if (!JsonNode.DeepEquals(value, other))
        {
            body.Error(original, $"{original} and {ours} are two names of one field and were sent with different values; send one of them");
        }

        return original;
    }

    /// <summary>browser_info as an object ({"name": "Firefox", …}) or as a plain string; stored as JSON text.</summary>
    private static string? ObjectOrText(JsonBody body, string field)
    {
        if (body.Json.TryGetPropertyValue(field, out var node) && node is JsonObject)
        {
            return body.Object(field, 16 * 1024);
        }

        var text = body.String(field, max: 4000);
        return text is null ? null : JsonValue.Create(text).ToJsonString();
    }

    /// <summary>A data URL (the original's form sends the image), or nothing when the field is absent, null or empty.</summary>
    private static BugReportScreenshot? Screenshot(JsonBody body)
    {
        var text = body.String("screenshot", max: RequestBody.MaxBytes);
        if (text is null)
        {
            return null;
        }

        var (contentType, data, error) = BugReportScreenshot.Parse(text);
        if (error is not null)
        {
            body.Error("screenshot", error);
            return null;
        }

        return new BugReportScreenshot { ContentType = contentType!, Data = data! };
    }
}
