using System.Net;
using Microsoft.EntityFrameworkCore;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>POST rules/backtest/: a draft rule replayed over recent tasks, nothing written.</summary>
public sealed class BacktestTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Backtest = $"{Routes.Base}/rules/backtest/";
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<string> FootprintAsync()
    {
        await using var db = await app.DbAsync();
        return string.Join(" ", await db.WorkItems.CountAsync(), await db.Rules.CountAsync(), await db.AuditEntries.CountAsync(),
            await db.Rules.SumAsync(r => r.TriggerCount), await db.LogEntries.CountAsync());
    }

    [Fact]
    public async Task A_draft_rule_is_replayed_over_recent_tasks_showing_what_it_would_change_and_nothing_is_written()
    {
        var tag = Routes.Tag();
        var low = await admin.CreateTaskAsync($"low {tag}", priority: "low", autoAssign: false);
        await admin.CreateTaskAsync($"high {tag}", priority: "critical", autoAssign: false);
        await admin.CreateTaskAsync($"other {Routes.Tag()}", priority: "low", autoAssign: false);
        var before = await FootprintAsync();

        var result = await admin.PostJsonAsync(Backtest, new
        {
            rule = new { name = $"draft {tag}", rule_type = "task_creation", trigger_conditions = new { title_contains = tag }, actions = new { min_priority = "high" } },
        }).ObjectAsync();

        Assert.Equal(before, await FootprintAsync());
        Assert.True((int)result["evaluated"]! >= 3);
        Assert.Equal(2, (int?)result["matched"]);
        var change = Assert.Single(result["changes"]!.AsArray());
        Assert.Equal(Id(low).ToString(), (string?)change!["task_id"]);
        Assert.Equal(("priority", "low", "high"), (Str(change, "field"), Str(change, "from"), Str(change, "to")));
        Assert.Equal(2, result["examples"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_backtest_of_an_agent_rule_shows_the_agent_that_would_have_been_chosen()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        var task = await admin.CreateTaskAsync($"agent {tag}", taskType: "deployment", autoAssign: false);

        var result = await admin.PostJsonAsync(Backtest, new
        {
            rule = new { name = $"draft {tag}", rule_type = "agent_selection", trigger_conditions = new { title_contains = tag }, actions = new { prefer_agents = "GeneralAgent-Backup", prefer_bonus = 5 } },
            limit = 50,
        }).ObjectAsync();

        var change = Assert.Single(result["changes"]!.AsArray());
        Assert.Equal(Id(task).ToString(), (string?)change!["task_id"]);
        Assert.Equal("GeneralAgent-Backup", (string?)change["to"]);
    }

    [Fact]
    public async Task A_backtest_validates_the_rule_and_the_limit_naming_the_field()
    {
        Assert.Contains("10000", await admin.PostJsonAsync(Backtest, new { rule = new { rule_type = "monitoring" }, limit = 20_000 }).FieldErrorAsync("limit"));
        Assert.Contains("max_retries", await admin.PostJsonAsync(Backtest, new { rule = new { rule_type = "failure_handling", actions = new { max_retries = -1 } } }).FieldErrorAsync("rule.actions"));
        Assert.Contains("rule is required", await admin.PostJsonAsync(Backtest, new { limit = 5 }).FieldErrorAsync("rule"));
        Assert.Contains("rule_type is required", await admin.PostRawAsync(Backtest, """{"rule": {"name": "bt", "rule_type": null}}""").FieldErrorAsync("rule.rule_type"));
        var operatorClient = await app.ClientAsync(OpsConsole.Domain.ApiRole.Operator);
        await operatorClient.PostJsonAsync(Backtest, new { rule = new { rule_type = "monitoring" } }).ProblemAsync(HttpStatusCode.Forbidden);
    }
}
