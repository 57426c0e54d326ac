using System.Net;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.GitHub;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Compatibility;

/// <summary>
/// The original's bug-report form and scripts, unchanged, against OpsConsole: its routes (<c>/api/v1/bug-reports/bug-reports/</c>),
/// its field names (BugReportCreateSerializer) and its answers (<c>{success, message, data}</c>, the list and detail shapes).
/// </summary>
public sealed class BugReportCompatibilityTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    public const string Reports = "/api/v1/bug-reports/bug-reports/";

    /// <summary>A 1×1 PNG as the original's form sends a screenshot.</summary>
    public const string Png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    private readonly HttpClient original = OriginalClient.Create(app);

    /// <summary>The body BugReportModal.tsx builds, field for field.</summary>
    public static string FormBody(string title, string priority = "high", string screenshot = Png) => $$"""
        {"title": "{{title}}", "description": "Totals do not add up 🚨", "steps_to_reproduce": "1. Open invoices\n2. Sort by total",
         "expected_behavior": "Sorted by amount", "actual_behavior": "Sorted as text", "priority": "{{priority}}",
         "current_url": "https://meats.example.com/accounts-receivables?sort=total", "page_title": "Accounts Receivables",
         "browser_info": {"userAgent": "Mozilla/5.0", "language": "en-US", "platform": "Linux x86_64", "cookieEnabled": true, "onLine": true,
                          "screenResolution": "1920x1080", "windowSize": "1280x720", "timezone": "Europe/Berlin"},
         "user_agent": "Mozilla/5.0 (X11; Linux x86_64)", "application_state": {"pathname": "/accounts-receivables", "search": "?sort=total", "hash": "", "timestamp": "2026-11-25T12:00:00.000Z"},
         "reporter_email": "ana@example.com", "screenshot": "{{screenshot}}"}
        """;

    [Fact]
    public async Task The_original_forms_body_is_stored_with_every_field_and_answered_as_the_original_did()
    {
        var created = await original.PostTextAsync(Reports, FormBody($"Totals wrong {Routes.Tag()}")).ObjectAsync(HttpStatusCode.Created);

        Assert.True((bool)created["success"]!);
        Assert.Equal("Bug report created successfully", (string?)created["message"]);
        var data = created["data"]!.AsObject();
        Assert.Equal("high", (string?)data["priority"]);
        Assert.Equal("High", (string?)data["priority_display"]);
        Assert.Equal("https://meats.example.com/accounts-receivables?sort=total", (string?)data["current_url"]);
        Assert.Equal("Accounts Receivables", (string?)data["page_title"]);
        Assert.Equal("Europe/Berlin", (string?)data["browser_info"]!["timezone"]);
        Assert.Equal("/accounts-receivables", (string?)data["application_state"]!["pathname"]);
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64)", (string?)data["user_agent"]);
        Assert.Equal("1. Open invoices\n2. Sort by total", (string?)data["steps_to_reproduce"]);
        Assert.Equal("Sorted as text", (string?)data["actual_behavior"]);
        Assert.Equal("ana@example.com", (string?)data["reporter_email"]);
        Assert.Equal("Totals do not add up 🚨", (string?)data["description"]);
        Assert.Equal("pending", (string?)data["status"]);
        Assert.Equal("Pending", (string?)data["status_display"]);
        Assert.Equal("", (string?)data["github_issue_url"]);
        Assert.Equal(Detail.Order(), data.Select(p => p.Key).Where(k => k != "task_id").Order());

        var screenshot = await original.GetAsync(new Uri(Str(data, "screenshot")).PathAndQuery);
        await screenshot.ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("image/png", screenshot.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Convert.FromBase64String(Png[(Png.IndexOf(',') + 1)..]), await screenshot.Content.ReadAsByteArrayAsync());

        var task = await app.CreateAdminClient().GetTaskAsync(Str(data, "task_id"));
        Assert.Equal("high", (string?)task["priority"]);
        Assert.Equal("bug_fix", (string?)task["task_type"]);
        Assert.Contains("- URL: https://meats.example.com/accounts-receivables?sort=total", (string?)task["description"]);
        Assert.Equal((int)data["id"]!, (int)task["input_data"]!["bug_report_id"]!);
    }

    [Fact]
    public async Task The_original_fields_on_the_orchestration_route_keep_priority_and_url_and_the_task_made_from_it_has_that_priority()
    {
        var admin = app.CreateAdminClient();
        var stored = await original.PostTextAsync($"{Routes.Base}/bug-reports/",
            $$"""{"title": "Checkout 500 {{Routes.Tag()}}", "description": "Pay button fails", "priority": "critical", "current_url": "https://shop.example.com/pay", "page_title": "Pay"}""")
            .ObjectAsync(HttpStatusCode.Created);

        Assert.Equal("critical", (string?)stored["priority"]);
        Assert.Equal("critical", (string?)stored["severity"]);
        Assert.Equal("https://shop.example.com/pay", (string?)stored["current_url"]);
        Assert.Equal("https://shop.example.com/pay", (string?)stored["url"]);
        var task = await original.PostTextAsync($"{Routes.Tasks}create_from_bug_report/", $$"""{"bug_report_id": {{(int)stored["id"]!}}}""").ObjectAsync(HttpStatusCode.Created);
        Assert.Equal("critical", (string?)task["priority"]);
        Assert.Contains("- URL: https://shop.example.com/pay", (string?)task["description"]);
        Assert.Equal("critical", (string?)(await admin.GetObjectAsync($"{Routes.Base}/bug-reports/{(int)stored["id"]!}/"))["priority"]);
    }

    [Fact]
    public async Task Both_names_of_a_field_are_accepted_once_and_two_different_values_are_refused_naming_the_field()
    {
        var same = await original.PostTextAsync(Reports,
            $$"""{"title": "Same {{Routes.Tag()}}", "description": "d", "priority": "low", "severity": "low", "current_url": "https://a.example/x", "url": "https://a.example/x"}""")
            .ObjectAsync(HttpStatusCode.Created);
        var problem = await original.PostTextAsync(Reports, """{"title": "Clash", "description": "d", "priority": "high", "severity": "low"}""")
            .ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal("low", (string?)same["data"]!["priority"]);
        Assert.Equal("https://a.example/x", (string?)same["data"]!["current_url"]);
        Assert.Contains("priority and severity are two names of one field", (string?)problem["priority"]![0]);
        Assert.Contains("priority", (string?)problem["error"]);
    }

    [Theory]
    [InlineData("""{"description": "no title"}""", "title")]
    [InlineData("""{"title": "t", "description": "d", "priority": "urgent"}""", "priority")]
    [InlineData("""{"title": "t", "description": "d", "screenshot": "data:image/svg+xml;base64,PHN2Zy8+"}""", "screenshot")]
    [InlineData("""{"title": "t", "description": "d", "screenshot": "C:\\fakepath\\shot.png"}""", "screenshot")]
    [InlineData("""{"title": "t", "description": "d", "reporter_email": "not-an-address"}""", "reporter_email")]
    public async Task A_bad_report_is_a_400_naming_the_field_with_the_originals_error_key(string body, string field)
    {
        var messages = await original.PostTextAsync(Reports, body).FieldErrorAsync(field);
        var problem = await original.PostTextAsync(Reports, body).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(messages, (string?)problem["error"]);
    }

    [Fact]
    public async Task A_report_without_screenshot_or_with_a_null_one_is_stored_without_one()
    {
        var created = await original.PostTextAsync(Reports, $$"""{"title": "No shot {{Routes.Tag()}}", "description": "d", "screenshot": null}""").ObjectAsync(HttpStatusCode.Created);

        Assert.Null(created["data"]!["screenshot"]);
        Assert.Equal("medium", (string?)created["data"]!["priority"]);
        Assert.Equal(JsonValueKind(new JsonObject()), JsonValueKind(created["data"]!["browser_info"]));
    }

    [Fact]
    public async Task List_detail_user_reports_and_stats_answer_the_originals_shapes()
    {
        var tag = Routes.Tag();
        var id = (int)(await original.PostTextAsync(Reports, FormBody($"Listed {tag}", "critical")).ObjectAsync(HttpStatusCode.Created))["data"]!["id"]!;

        var list = await original.GetObjectAsync($"{Reports}?search={tag}");
        var filtered = await original.GetObjectAsync($"{Reports}?priority=critical&status=pending&search={tag}");
        var detail = await original.GetObjectAsync($"{Reports}{id}/");
        var mine = await original.GetObjectAsync($"{Reports}user_reports/");
        var stats = await original.GetObjectAsync($"{Reports}stats/");

        var item = Assert.Single(Results(list));
        Assert.Equal(ListItem.Order(), item.Select(p => p.Key).Order());
        Assert.Equal("#dc3545", (string?)item["priority_color"]);
        Assert.Equal(id, (int)Assert.Single(Results(filtered))["id"]!);
        Assert.Equal($"Listed {tag}", (string?)detail["title"]);
        Assert.True((bool)mine["success"]!);
        Assert.Contains(mine["data"]!.AsArray(), r => (int)r!["id"]! == id);
        Assert.Equal((int)mine["count"]!, mine["data"]!.AsArray().Count);
        Assert.True((int)stats["by_priority"]!["critical"]! >= 1);
        Assert.Equal((int)stats["total"]!, stats["by_status"]!.AsObject().Sum(s => (int)s.Value!));
        Assert.Equal(["total", "by_status", "by_priority", "submitted_to_github", "assigned_to_copilot", "failed_submissions"], stats.Select(p => p.Key));
        await original.GetAsync($"{Reports}999999/").ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Retrying_a_report_that_did_not_fail_is_the_originals_400_with_its_error()
    {
        var id = (int)(await original.PostTextAsync(Reports, FormBody($"Retry {Routes.Tag()}")).ObjectAsync(HttpStatusCode.Created))["data"]!["id"]!;

        var problem = await original.PostTextAsync($"{Reports}{id}/retry_github_creation/", "{}").ProblemAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith("Can only retry failed bug reports", (string?)problem["error"]);
    }

    private static System.Text.Json.JsonValueKind JsonValueKind(JsonNode? node) => node!.GetValueKind();

    /// <summary>BugReportListSerializer's fields.</summary>
    private static readonly string[] ListItem =
        ["id", "title", "priority", "priority_display", "priority_color", "status", "status_display", "github_issue_number", "github_issue_url", "assigned_to_copilot", "reporter_username", "created_on"];

    /// <summary>BugReportSerializer's fields.</summary>
    private static readonly string[] Detail =
    [
        "id", "title", "description", "steps_to_reproduce", "expected_behavior", "actual_behavior", "priority", "priority_display", "current_url", "page_title",
        "browser_info", "user_agent", "application_state", "screenshot", "additional_files", "status", "status_display", "github_issue_number", "github_issue_url",
        "error_message", "assigned_to_copilot", "labels", "reporter", "reporter_username", "reporter_full_name", "reporter_email", "created_on", "created_on_formatted", "modified_on",
    ];
}

/// <summary>The original's retry_github_creation/ on a report whose issue GitHub refused: it goes through the outbox again and is created.</summary>
public sealed class BugReportGitHubRetryTests(GitHubOpsConsole app) : IClassFixture<GitHubOpsConsole>
{
    [Fact]
    public async Task A_report_whose_issue_GitHub_refused_is_failed_with_the_error_and_retry_creates_the_issue()
    {
        var original = OriginalClient.Create(app);
        app.GitHub.FailNext(1, 422);
        var id = (int)(await original.PostTextAsync(BugReportCompatibilityTests.Reports, BugReportCompatibilityTests.FormBody("Refused once")).ObjectAsync(HttpStatusCode.Created))["data"]!["id"]!;
        await app.DrainAsync();

        var failed = await original.GetObjectAsync($"{BugReportCompatibilityTests.Reports}{id}/");
        Assert.Equal("failed", (string?)failed["status"]);
        Assert.Equal("Failed to Submit", (string?)failed["status_display"]);
        Assert.False(string.IsNullOrEmpty((string?)failed["error_message"]));

        var retried = await original.PostTextAsync($"{BugReportCompatibilityTests.Reports}{id}/retry_github_creation/", "{}").ObjectAsync();
        Assert.True((bool)retried["success"]!);
        await app.DrainAsync();

        var submitted = await original.GetObjectAsync($"{BugReportCompatibilityTests.Reports}{id}/");
        Assert.Equal("submitted", (string?)submitted["status"]);
        Assert.Equal(Assert.Single(app.GitHub.Issues).Number, (int?)submitted["github_issue_number"]);
        Assert.Equal("", (string?)submitted["error_message"]);
        Assert.True((bool)submitted["assigned_to_copilot"]!);
        Assert.Contains("bug", submitted["labels"]!.AsArray().Select(l => (string?)l));
    }
}
