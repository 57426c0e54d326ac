using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>/rules/: full CRUD of orchestration rules.</summary>
public sealed class RuleRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private Task<System.Text.Json.Nodes.JsonObject> CreateRuleAsync(string name, int priority = 50) =>
        admin.PostJsonAsync(Routes.Rules, new
        {
            name,
            description = "escalate database work",
            rule_type = "task_escalation",
            trigger_conditions = new { task_type = new[] { "maintenance" } },
            actions = new { blocked_after_minutes = 240 },
            priority,
        }).ObjectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task Rule_list_holds_the_default_rules_ordered_by_priority_with_or_without_the_trailing_slash()
    {
        foreach (var url in new[] { $"{Routes.Base}/rules", $"{Routes.Base}/rules/" })
        {
            var page = await admin.GetObjectAsync(url);
            var rules = Results(page);
            Assert.True((int?)page["count"] >= 6, page.ToJsonString());
            Assert.Contains(rules, r => (string?)r["name"] == "Queue backlog alert");
            var priorities = rules.Select(r => (int)r["priority"]!).ToList();
            Assert.Equal(priorities.Order(), priorities);
        }
    }

    [Fact]
    public async Task Creating_a_rule_answers_201_with_the_rule_and_its_location()
    {
        var name = $"rule {Routes.Tag()}";
        var response = await admin.PostJsonAsync($"{Routes.Base}/rules", new
        {
            name,
            rule_type = "failure_handling",
            trigger_conditions = new { task_type = new[] { "maintenance" } },
            actions = new { retry_base_seconds = 30, on_exhausted = "needs_attention" },
        });

        await response.ExpectAsync(HttpStatusCode.Created);
        var rule = await response.ReadObjectAsync();
        Assert.Equal($"/api/v1/orchestration/rules/{Id(rule)}/", response.Headers.Location?.OriginalString);
        Assert.Equal(name, (string?)rule["name"]);
        Assert.Equal("failure_handling", (string?)rule["rule_type"]);
        Assert.Equal("maintenance", (string?)rule["trigger_conditions"]?["task_type"]?[0]);
        Assert.Equal("needs_attention", (string?)rule["actions"]?["on_exhausted"]);
        Assert.True((bool)rule["is_active"]!);
        Assert.Equal(0, (int?)rule["trigger_count"]);
    }

    [Fact]
    public async Task Rule_detail_answers_by_id_with_or_without_the_trailing_slash()
    {
        var created = await CreateRuleAsync($"detail {Routes.Tag()}");

        foreach (var url in new[] { $"{Routes.Base}/rules/{Id(created)}", $"{Routes.Base}/rules/{Id(created)}/" })
        {
            var rule = await admin.GetObjectAsync(url);
            Assert.Equal((string?)created["name"], (string?)rule["name"]);
            Assert.Equal(240, (int?)rule["actions"]?["blocked_after_minutes"]);
        }
    }

    [Fact]
    public async Task Put_replaces_a_rule()
    {
        var created = await CreateRuleAsync($"put {Routes.Tag()}");
        var name = $"replaced {Routes.Tag()}";

        var rule = await admin.PutJsonAsync($"{Routes.Rules}{Id(created)}/", new
        {
            name,
            description = "",
            rule_type = "monitoring",
            trigger_conditions = new { pending_tasks_above = 10 },
            actions = new { health = "warning" },
            priority = 7,
            is_active = false,
        }).ObjectAsync();

        Assert.Equal(name, (string?)rule["name"]);
        Assert.Equal("monitoring", (string?)rule["rule_type"]);
        Assert.Equal(10, (int?)rule["trigger_conditions"]?["pending_tasks_above"]);
        Assert.Equal(7, (int?)rule["priority"]);
        Assert.False((bool)rule["is_active"]!);
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent()
    {
        var created = await CreateRuleAsync($"patch {Routes.Tag()}", priority: 40);

        var rule = await admin.PatchJsonAsync($"{Routes.Rules}{Id(created)}/", new { is_active = false }).ObjectAsync();

        Assert.False((bool)rule["is_active"]!);
        Assert.Equal(40, (int?)rule["priority"]);
        Assert.Equal((string?)created["name"], (string?)rule["name"]);
        Assert.Equal("task_escalation", (string?)rule["rule_type"]);
    }

    [Fact]
    public async Task Delete_removes_the_rule()
    {
        var created = await CreateRuleAsync($"delete {Routes.Tag()}");

        await (await admin.DeleteAsync($"{Routes.Rules}{Id(created)}/")).ExpectAsync(HttpStatusCode.NoContent);

        await admin.GetAsync($"{Routes.Rules}{Id(created)}/").ProblemAsync(HttpStatusCode.NotFound);
        await admin.DeleteAsync($"{Routes.Rules}{Id(created)}/").ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_second_rule_with_the_same_name_is_refused_with_409()
    {
        var name = $"unique {Routes.Tag()}";
        await CreateRuleAsync(name);

        var problem = await admin.PostJsonAsync(Routes.Rules, new { name, rule_type = "monitoring", trigger_conditions = new { }, actions = new { } })
            .ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains(name, (string?)problem["detail"]);
    }

    [Fact]
    public async Task Rule_counters_are_read_only()
    {
        var created = await CreateRuleAsync($"counters {Routes.Tag()}");

        var message = await admin.PatchJsonAsync($"{Routes.Rules}{Id(created)}/", new { trigger_count = 99 }).FieldErrorAsync("trigger_count");

        Assert.Contains("read-only", message);
    }

    [Fact]
    public async Task A_rule_whose_required_objects_are_null_is_refused_naming_each()
    {
        var body = $$"""{"name": "nulls {{Routes.Tag()}}", "rule_type": "monitoring", "trigger_conditions": null, "actions": null}""";

        var problem = await admin.PostRawAsync(Routes.Rules, body).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("required", (string?)problem["errors"]!["trigger_conditions"]![0]);
        Assert.Contains("required", (string?)problem["errors"]!["actions"]![0]);
    }

    [Fact]
    public async Task A_rule_with_an_unknown_type_is_refused_listing_the_types()
    {
        var message = await admin.PostJsonAsync(Routes.Rules, new { name = $"bad {Routes.Tag()}", rule_type = "magic", trigger_conditions = new { }, actions = new { } })
            .FieldErrorAsync("rule_type");

        Assert.Contains("task_escalation", message);
    }
}
