using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>POST tasks/create_from_bug_report/ with the report inline or by the id of a stored report.</summary>
public sealed class BugReportTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Api = "/api/v1/orchestration";

    private static object Report(string title, string severity = "high") => new
    {
        title,
        description = "Checkout total is wrong when a coupon is applied. Logged in with password=hunter2 for testing.",
        severity,
        steps_to_reproduce = "1. Add two items\n2. Apply coupon SAVE10\n3. Open checkout",
        expected_behavior = "Total is 90.00",
        actual_behavior = "Total is 100.00",
        reporter_name = "Dana Ops",
        reporter_email = "dana@example.com",
        url = "https://app.example.com/checkout?session=abc",
        page_title = "Checkout",
        browser_info = new { name = "Firefox", version = "133.0" },
        user_agent = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    };

    [Fact]
    public async Task An_inline_bug_report_becomes_a_bug_fix_task_with_the_override_priority_and_the_originals_templates()
    {
        var client = app.CreateAdminClient();
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Report("Coupon total wrong")))!.AsObject();
        body["override_priority"] = "emergency";

        var response = await client.PostAsync($"{Api}/tasks/create_from_bug_report/", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var task = await response.ReadObjectAsync();
        Assert.Equal("🐛 Bug Fix: Coupon total wrong", (string?)task["title"]);
        Assert.Equal("bug_fix", (string?)task["task_type"]);
        Assert.Equal("emergency", (string?)task["priority"]);
        Assert.Equal("04:00:00", (string?)task["estimated_duration"]);
        Assert.Null(task["due_date"]);
        Assert.Equal("Dana Ops", (string?)task["owner"]!["username"]);
        Assert.NotNull(task["assigned_agent_name"]);
        var description = (string)task["description"]!;
        Assert.StartsWith("\nBUG REPORT TASK\n\nOriginal Report: Coupon total wrong\nReporter: Dana Ops\nEmail: dana@example.com\nPriority: High", description, StringComparison.Ordinal);
        Assert.Contains("Steps to Reproduce:\n1. Add two items", description, StringComparison.Ordinal);
        Assert.Contains("- Page: Checkout", description, StringComparison.Ordinal);
        Assert.Contains("GitHub Issue: Not created yet", description, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", description, StringComparison.Ordinal);
        var input = task["input_data"]!;
        Assert.Equal("bug_report", (string?)input["source"]);
        Assert.True((bool)input["auto_created"]!);
        Assert.Equal("Firefox", (string?)input["context"]!["browser_info"]!["name"]);
        var reportId = (int)input["bug_report_id"]!;

        var stored = await (await client.GetAsync($"{Api}/bug-reports/{reportId}/")).ReadObjectAsync();
        Assert.Equal((string?)task["id"], (string?)stored["task_id"]);
        Assert.Equal("high", (string?)stored["severity"]);
    }

    [Fact]
    public async Task A_stored_report_becomes_a_task_at_its_own_severity_once_while_that_task_is_open()
    {
        var client = app.CreateAdminClient();
        var stored = await client.PostJsonAsync($"{Api}/bug-reports/", Report("Login button dead", "low"));
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var id = (int)(await stored.ReadObjectAsync())["id"]!;

        var created = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { bug_report_id = id });
        var again = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { bug_report_id = id });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var task = await created.ReadObjectAsync();
        Assert.Equal("low", (string?)task["priority"]);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((string?)task["id"], (string?)(await again.ReadObjectAsync())["id"]);
        await using var db = await app.DbAsync();
        Assert.Equal(1, await db.WorkItems.CountAsync(w => w.Fingerprint == $"bug_report:{id}"));
    }

    [Fact]
    public async Task An_unknown_bug_report_id_is_404_and_mixing_an_id_with_fields_or_a_null_id_is_400()
    {
        var client = app.CreateAdminClient();

        var missing = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { bug_report_id = 999_999 });
        var mixed = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { bug_report_id = 1, title = "x" });
        var incomplete = await client.PostJsonAsync($"{Api}/tasks/create_from_bug_report/", new { title = "x", severity = "urgent", override_priority = "asap" });

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("Bug report 999999 was not found", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
        var problem = await incomplete.ReadObjectAsync();
        Assert.NotNull(problem["errors"]!["description"]);
        Assert.NotNull(problem["errors"]!["severity"]);
        Assert.NotNull(problem["errors"]!["override_priority"]);
        Assert.Contains("leave it out and send the report's fields", await client.PostRawAsync($"{Api}/tasks/create_from_bug_report/", """{"bug_report_id": null}""").FieldErrorAsync("bug_report_id"), StringComparison.Ordinal);
    }
}
