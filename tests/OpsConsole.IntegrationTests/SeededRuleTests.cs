using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>The seeded retry and escalation rules are the real configuration of today's defaults: editing one changes what happens.</summary>
public sealed class SeededRuleTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<System.Text.Json.Nodes.JsonObject> SeededAsync(string name)
    {
        var page = await admin.GetObjectAsync($"{Routes.Rules}?search={Uri.EscapeDataString(name)}");
        return Results(page).Single(r => (string?)r["name"] == name);
    }

    [Fact]
    public async Task The_seeded_retry_rule_holds_the_settings_defaults_and_editing_it_changes_the_backoff()
    {
        var rule = await SeededAsync("Retry failures with exponential backoff");
        Assert.Equal(60, (int?)rule["actions"]?["retry_base_seconds"]);
        Assert.Equal(3600, (int?)rule["actions"]?["retry_max_seconds"]);
        Assert.Equal("escalate", (string?)rule["actions"]?["on_exhausted"]);
        var before = (int)rule["trigger_count"]!;

        await admin.PatchJsonAsync($"{Routes.Rules}{Id(rule)}/", new { actions = new { retry_base_seconds = 600, retry_max_seconds = 3600, on_exhausted = "escalate" } }).ObjectAsync();
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"seeded {Routes.Tag()}", taskType: "deployment", priority: "high");
        var failedAt = app.Now();
        var failed = await admin.PostJsonAsync($"{Routes.Task(Id(task))}fail/", new { error_message = "boom" }).ObjectAsync();

        Assert.InRange((Time(failed, "next_attempt_at") - failedAt).TotalSeconds, 480, 720);
        Assert.Equal(before + 1, (int?)(await admin.GetObjectAsync($"{Routes.Rules}{Id(rule)}/"))["trigger_count"]);
        Assert.Contains(await admin.LogsAsync(Id(task)), l => Str(l, "message").StartsWith("Rule 'Retry failures with exponential backoff' applied: backoff 10m–60m", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_seeded_escalation_rule_sets_the_blocked_period()
    {
        var rule = await SeededAsync("Escalate overdue and long-blocked work");
        Assert.Equal(120, (int?)rule["actions"]?["blocked_after_minutes"]);
        await admin.PatchJsonAsync($"{Routes.Rules}{Id(rule)}/", new { actions = new { blocked_after_minutes = 30, overdue_every_minutes = 60 } }).ObjectAsync();
        await app.HeartbeatAllAsync();
        var task = await admin.CreateTaskAsync($"blocked {Routes.Tag()}", taskType: "deployment", priority: "low");
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}block/", new { reason = "waiting" }).ObjectAsync();

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(31));

        Assert.Equal(1, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);
        await admin.PatchJsonAsync($"{Routes.Rules}{Id(rule)}/", new { actions = new { blocked_after_minutes = 120, overdue_every_minutes = 60 } }).ObjectAsync();
    }
}
