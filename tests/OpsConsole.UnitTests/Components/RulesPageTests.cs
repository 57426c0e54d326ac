using Bunit;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

public sealed class RulesPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Without_rules_the_page_says_so()
    {
        var page = context.Render<Rules>();

        page.WaitForAssertion(() => Assert.Contains("No rules.", page.Markup), Patience);
    }

    [Fact]
    public async Task Rules_are_listed_lowest_priority_number_first()
    {
        await AddRuleAsync("Later", 50);
        await AddRuleAsync("First", 10);

        var page = context.Render<Rules>();

        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("[data-testid=rule-row]").Count), Patience);
        Assert.Equal(["First", "Later"], page.FindAll("[data-testid=rule-row] b").Select(b => b.TextContent));
    }

    [Fact]
    public async Task Actions_the_engine_does_not_understand_are_refused_next_to_the_field_with_the_api_s_message()
    {
        await context.SeedUsersAsync();
        var page = context.Render<Rules>();
        page.WaitForAssertion(() => Assert.Contains("No rules.", page.Markup), Patience);

        page.Click("New rule");
        page.Field("Name").Change("Deploys are urgent");
        page.Field("Then").Change("""{"set_priority": "urgent"}""");
        page.Click("Create rule");

        page.WaitForAssertion(() => Assert.Equal("set_priority must be one of low, medium, high, critical, emergency", page.FieldError("Then")), Patience);
        await using var db = context.Db();
        Assert.False(await db.Rules.AnyAsync());
    }

    [Fact]
    public async Task Text_that_is_not_json_is_refused_next_to_its_field()
    {
        await context.SeedUsersAsync();
        var page = context.Render<Rules>();
        page.WaitForAssertion(() => Assert.Contains("No rules.", page.Markup), Patience);

        page.Click("New rule");
        page.Field("Name").Change("Broken");
        page.Field("When").Change("""{"task_type": "deployment" """);
        page.Click("Create rule");

        page.WaitForAssertion(() => Assert.StartsWith("trigger_conditions is not valid JSON", page.FieldError("When")), Patience);
    }

    [Fact]
    public async Task Valid_rule_is_created_listed_and_audited()
    {
        await context.SeedUsersAsync();
        var page = context.Render<Rules>();
        page.WaitForAssertion(() => Assert.Contains("No rules.", page.Markup), Patience);

        page.Click("New rule");
        page.Field("Name").Change("Deploys are urgent");
        page.Field("When").Change("""{"task_type": "deployment"}""");
        page.Field("Then").Change("""{"min_priority": "high"}""");
        page.Click("Create rule");

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=rule-row]")), Patience);
        Assert.Empty(page.FindAll("[data-testid=rule-form]"));
        await using var db = context.Db();
        var rule = await db.Rules.SingleAsync();
        Assert.Equal(("""{"task_type":"deployment"}""", """{"min_priority":"high"}""", 100, true), (rule.TriggerConditions, rule.Actions, rule.Priority, rule.IsActive));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetType == "rule" && a.Action == "created" && a.Actor == "admin"));
    }

    [Fact]
    public async Task Editing_a_rule_starts_from_its_json_and_saves_the_change_audited()
    {
        await context.SeedUsersAsync();
        await AddRuleAsync("Deploys first", 10);
        var popovers = context.Render<MudPopoverProvider>();
        var page = context.Render<Rules>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=rule-row]")), Patience);

        page.Find("button[aria-label='Actions for rule Deploys first']").Click();
        popovers.WaitForAssertion(() => Assert.Contains(popovers.FindAll(".mud-menu-item"), i => i.TextContent.Trim() == "Edit"), Patience);
        popovers.FindAll(".mud-menu-item").Single(i => i.TextContent.Trim() == "Edit").Click();
        page.WaitForAssertion(() => Assert.Contains("Edit Deploys first", page.Markup), Patience);
        Assert.Equal("{}", page.Field("Then").GetAttribute("value") ?? page.Field("Then").TextContent);
        page.Field("Then").Change("""{"due_in_minutes": 30}""");
        page.Click("Save");

        page.WaitForAssertion(() => Assert.Contains("due_in_minutes", page.Find("[data-testid=rule-row]").TextContent), Patience);
        await using var db = context.Db();
        Assert.Equal("""{"due_in_minutes":30}""", (await db.Rules.SingleAsync()).Actions);
        var audit = await db.AuditEntries.SingleAsync(a => a.TargetType == "rule" && a.Action == "updated");
        Assert.Contains("due_in_minutes", audit.After);
    }

    [Fact]
    public async Task Database_failure_is_explained()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Rules>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the rules", page.Markup), Patience);
    }

    private async Task AddRuleAsync(string name, int priority)
    {
        await using var db = context.Db();
        db.Rules.Add(new OrchestrationRule { Name = name, Kind = RuleKind.TaskCreation, Priority = priority, CreatedOn = context.Now, ModifiedOn = context.Now });
        await db.SaveChangesAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
