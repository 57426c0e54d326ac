using System.Net;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Every rule type decides: agent_selection (prefer, avoid, only), failure_handling (retries, backoff, what happens after),
/// task_escalation (waiting work), each counted in trigger_count and written on the task's timeline. Each rule here matches
/// only its own test's tasks (title_contains the test's tag).
/// </summary>
public sealed class RuleDecisionTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private Task<JsonObject> RuleAsync(string tag, string ruleType, object actions, int priority = 5) =>
        admin.PostJsonAsync(Routes.Rules, new
        {
            name = $"{ruleType} {tag}",
            rule_type = ruleType,
            trigger_conditions = new { title_contains = tag },
            actions,
            priority,
        }).ObjectAsync(HttpStatusCode.Created);

    private Task<JsonObject> FailAsync(Guid taskId) =>
        admin.PostJsonAsync($"{Routes.Task(taskId)}fail/", new { error_message = "exit code 1" }).ObjectAsync();

    private async Task<int> TriggerCountAsync(JsonObject rule) => (int)(await admin.GetObjectAsync($"{Routes.Rules}{Id(rule)}/"))["trigger_count"]!;

    private async Task<IReadOnlyList<string>> RuleTimelineAsync(Guid taskId) =>
        (await admin.LogsAsync(taskId)).Where(l => (string?)l["step_name"] == "rule").Select(l => Str(l, "message")).ToList();

    [Fact]
    public async Task A_preferred_agent_wins_with_its_bonus_in_the_score_breakdown_and_the_rule_counts()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        var rule = await RuleAsync(tag, "agent_selection", new { prefer_agents = new[] { "GeneralAgent-Backup" }, prefer_bonus = 3.0 });

        var task = await admin.CreateTaskAsync($"prefer {tag}", taskType: "deployment");

        Assert.Equal("GeneralAgent-Backup", Str(task, "assigned_agent_name"));
        var assignment = (await admin.GetArrayAsync($"{Routes.Task(Id(task))}assignments/"))[0]!;
        var chosen = assignment["candidates"]!.AsArray().Single(c => (string?)c!["agent_name"] == "GeneralAgent-Backup")!;
        Assert.Equal(3.0, (double)chosen["factors"]!["rule_bonus"]!);
        Assert.All(assignment["candidates"]!.AsArray().Where(c => (string?)c!["agent_name"] != "GeneralAgent-Backup"),
            c => Assert.Equal(1.0, (double)c!["factors"]!["rule_bonus"]!));
        Assert.Equal(1, await TriggerCountAsync(rule));
        Assert.Contains(await RuleTimelineAsync(Id(task)), m => m.StartsWith($"Rule 'agent_selection {tag}' applied: prefer GeneralAgent-Backup", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_avoided_agent_is_passed_over_for_the_next_best()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        var usual = Str(await admin.CreateTaskAsync($"usual {tag}x", taskType: "deployment", priority: "critical"), "assigned_agent_name");
        await RuleAsync(tag, "agent_selection", new { avoid_agents = new[] { usual } });

        var task = await admin.CreateTaskAsync($"avoid {tag}", taskType: "deployment", priority: "critical");

        Assert.NotEqual(usual, Str(task, "assigned_agent_name"));
    }

    [Fact]
    public async Task Only_agents_none_of_which_can_take_the_task_leave_it_pending_with_the_reason_on_its_timeline()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        var rule = await RuleAsync(tag, "agent_selection", new { only_agents = new[] { "CodeAgent-Emergency" } });

        var task = await admin.CreateTaskAsync($"only {tag}", taskType: "deployment");
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(30));

        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal("pending", (string?)after["status"]);
        Assert.Null(after["assigned_agent"]);
        var reasons = await RuleTimelineAsync(Id(task));
        var reason = Assert.Single(reasons);
        Assert.Contains("only CodeAgent-Emergency", reason);
        Assert.Contains("stays pending", reason);
        Assert.Equal(1, await TriggerCountAsync(rule));
    }

    [Fact]
    public async Task A_failure_handling_rule_sets_retries_and_backoff_and_cancels_when_they_are_used_up()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        var rule = await RuleAsync(tag, "failure_handling", new { max_retries = 1, retry_base_seconds = 10, retry_max_seconds = 20, on_exhausted = "cancel" });
        var task = await admin.CreateTaskAsync($"fails {tag}", taskType: "deployment", priority: "high", maxRetries: 5);
        var failedAt = app.Now();

        var first = await FailAsync(Id(task));

        Assert.Equal("pending", (string?)first["status"]);
        Assert.Equal(1, (int?)first["max_retries"]);
        Assert.InRange((Time(first, "next_attempt_at") - failedAt).TotalSeconds, 8, 12);
        await app.AdvanceAndSweepAsync(TimeSpan.FromSeconds(13));
        Assert.Equal("assigned", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);

        var second = await FailAsync(Id(task));

        Assert.Equal("cancelled", (string?)second["status"]);
        Assert.Equal(2, await TriggerCountAsync(rule));
        Assert.Contains(await RuleTimelineAsync(Id(task)), m => m.Contains("cancelled by rule", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failure_handling_rule_can_hand_exhausted_work_to_people_instead_of_escalating()
    {
        await app.HeartbeatAllAsync();
        var tag = Routes.Tag();
        await RuleAsync(tag, "failure_handling", new { max_retries = 0, on_exhausted = "needs_attention" });
        var task = await admin.CreateTaskAsync($"attention {tag}", taskType: "deployment", priority: "high");

        var failed = await FailAsync(Id(task));

        Assert.Equal("failed", (string?)failed["status"]);
        Assert.True((bool)failed["needs_attention"]!);
        Assert.Equal(0, (int?)failed["escalation_level"]);
    }

    [Fact]
    public async Task Work_waiting_longer_than_escalate_after_minutes_escalates_once_per_period()
    {
        var tag = Routes.Tag();
        var rule = await RuleAsync(tag, "task_escalation", new { escalate_after_minutes = 15 });
        var task = await admin.CreateTaskAsync($"waiting {tag}", priority: "low", autoAssign: false);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(14));
        Assert.Equal(0, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(2));
        var escalated = await admin.GetTaskAsync(Id(task));
        Assert.Equal(1, (int?)escalated["escalation_level"]);
        Assert.Equal("medium", (string?)escalated["priority"]);

        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(10));
        Assert.Equal(1, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);
        await app.AdvanceAndSweepAsync(TimeSpan.FromMinutes(6));
        Assert.Equal(2, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);

        Assert.Equal(2, await TriggerCountAsync(rule));
        var timeline = await RuleTimelineAsync(Id(task));
        Assert.Equal(2, timeline.Count);
        Assert.All(timeline, m => Assert.StartsWith($"Rule 'task_escalation {tag}' applied: waiting for", m, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rule_that_routes_everything_to_nobody_is_refused_with_the_reason()
    {
        var problem = await admin.PostJsonAsync(Routes.Rules, new
        {
            name = $"nobody {Routes.Tag()}",
            rule_type = "agent_selection",
            trigger_conditions = new { },
            actions = new { only_agents = new[] { "NoSuchAgent" } },
        }).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("route work to nobody", (string?)problem["detail"]);
        Assert.Contains("DeploymentAgent-Primary", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("failure_handling", "{\"max_retries\": 99}", "max_retries must be a whole number from 0 to 20")]
    [InlineData("failure_handling", "{\"on_exhausted\": \"explode\"}", "on_exhausted must be one of escalate, needs_attention, cancel")]
    [InlineData("failure_handling", "{\"retry_base_seconds\": 600, \"retry_max_seconds\": 60}", "retry_max_seconds (60) must be at least retry_base_seconds (600)")]
    [InlineData("task_escalation", "{\"escalate_after_minutes\": \"soon\"}", "escalate_after_minutes must be a whole number")]
    [InlineData("agent_selection", "{\"prefer_agents\": []}", "prefer_agents must be an agent name or a list")]
    [InlineData("agent_selection", "{\"pick\": \"x\"}", "unknown action 'pick'")]
    [InlineData("notification", "{\"url\": \"ftp://example.com\"}", "url must be an absolute http or https address")]
    [InlineData("notification", "{\"url\": \"https://example.com/hook\", \"events\": [\"lunch\"]}", "events must be a list of one or more of escalated")]
    public async Task An_invalid_rule_is_refused_naming_the_field(string ruleType, string actions, string expected)
    {
        var message = await admin.PostRawAsync(Routes.Rules,
            $$"""{"name": "bad {{Routes.Tag()}}", "rule_type": "{{ruleType}}", "trigger_conditions": {}, "actions": {{actions}}}""")
            .FieldErrorAsync("actions");

        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("{\"task_type\": [\"bogus\"]}", "task_type 'bogus' is not a task type, so it could never match; one of deployment")]
    [InlineData("{\"priority\": \"urgentish\"}", "priority 'urgentish' is not a priority, so it could never match; one of ")]
    [InlineData("{\"environment\": []}", "environment lists no values, so the rule could never match")]
    [InlineData("{\"labels\": [\"bug\", \" \"]}", "labels has an empty value, which no task has")]
    public async Task A_condition_no_task_could_meet_is_refused_naming_it(string conditions, string expected)
    {
        var message = await admin.PostRawAsync(Routes.Rules,
            $$$"""{"name": "never {{{Routes.Tag()}}}", "rule_type": "task_creation", "trigger_conditions": {{{conditions}}}, "actions": {"set_priority": "high"}}""")
            .FieldErrorAsync("trigger_conditions");

        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task A_condition_names_task_types_and_priorities_in_any_case()
    {
        var tag = Routes.Tag(); // only this test's tasks could match
        var response = await admin.PostRawAsync(Routes.Rules,
            $$$"""{"name": "cased {{{tag}}}", "rule_type": "task_creation", "trigger_conditions": {"task_type": ["Deployment", "testing"], "priority": "HIGH", "title_contains": "{{{tag}}}"}, "actions": {"set_priority": "critical"}}""");

        await response.ExpectAsync(System.Net.HttpStatusCode.Created);
    }
}
