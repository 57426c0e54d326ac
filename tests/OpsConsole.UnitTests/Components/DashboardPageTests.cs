using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

public sealed class DashboardPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Empty_console_says_nothing_is_open_and_counts_zero()
    {
        var page = context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Contains("Nothing open. New failures and tasks appear here the moment they arrive.", page.Markup), Patience);
        Assert.Equal(["0", "0", "0", "0", "0", "0"], page.FindAll(".ops-tile h4").Select(h => h.TextContent.Trim()));
        Assert.DoesNotContain("open emergency task", page.Markup);
        Assert.Contains("No activity yet", page.Markup);
    }

    [Fact]
    public async Task Open_emergency_raises_the_banner_and_lists_the_task_with_its_agent()
    {
        await context.SeedAgentsAsync();
        await context.CreateTaskAsync("Deploy failed on web-1", priority: WorkItemPriority.Emergency);
        await context.CreateTaskAsync("Routine deployment", priority: WorkItemPriority.Low);

        var page = context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Contains("1 open emergency task(s)", page.Markup), Patience);
        var rows = page.FindAll("tbody tr").Where(r => r.QuerySelector("a[href^='tasks/']") is not null).Select(r => r.TextContent).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("Deploy failed on web-1", rows[0]);
        Assert.Contains("EMERGENCY", rows[0]);
        Assert.Contains("DeploymentAgent-Primary", rows[0]);
        Assert.Contains("Routine deployment", rows[1]);
        Assert.Contains("GitHubAgent-Issues", page.Markup);
    }

    [Fact]
    public async Task Database_failure_is_explained_instead_of_a_spinner()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Contains("Could not load the dashboard", page.Markup), Patience);
        Assert.Contains("no such table", page.Markup);
        Assert.Empty(page.FindAll(".mud-progress-linear"));
    }

    [Fact]
    public async Task New_failure_appears_when_its_event_arrives_without_a_reload()
    {
        await context.SeedAgentsAsync();
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Contains("Nothing open", page.Markup), Patience);

        var item = await context.CreateTaskAsync("Production deploy failed", priority: WorkItemPriority.Emergency);
        Assert.DoesNotContain("Production deploy failed", page.Markup);
        context.PublishLive(new WorkItemChanged(item.Id));

        page.WaitForAssertion(() =>
        {
            Assert.Contains("Production deploy failed", page.Markup);
            Assert.Contains("1 open emergency task(s)", page.Markup);
        }, Patience);
    }

    [Fact]
    public async Task A_change_another_node_made_while_the_link_between_nodes_was_down_shows_when_the_link_is_back()
    {
        await context.SeedAgentsAsync();
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Contains("Nothing open", page.Markup), Patience);

        // Another node stored it while Redis was away: no event reached this node.
        await context.CreateTaskAsync("Checkout latency alarm", priority: WorkItemPriority.Emergency);
        Assert.DoesNotContain("Checkout latency alarm", page.Markup);

        context.Time.Advance(OpsConsole.Components.LiveComponent.Coalesce); // the page reloads at most every quarter second
        context.Services.GetRequiredService<OpsConsole.Realtime.OpsEventStream>().ChangesMayHaveBeenMissed();

        page.WaitForAssertion(() => Assert.Contains("Checkout latency alarm", page.Markup), Patience);
    }

    [Fact]
    public void Health_chip_turns_critical_when_the_database_becomes_unavailable_and_back_when_it_returns_without_a_reload()
    {
        var page = context.Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Contains("Nothing open", page.Markup), Patience);
        Assert.DoesNotContain("Database unavailable", Chip(page));
        var availability = context.Services.GetRequiredService<DatabaseAvailability>();

        availability.Failed("unreachable");

        page.WaitForAssertion(() => Assert.Contains("critical: Database unavailable since 12:00:00 UTC (unreachable)", Chip(page)), Patience);

        // The page reloads at most every quarter second (LiveComponent): let that pass.
        context.Time.Advance(OpsConsole.Components.LiveComponent.Coalesce);
        availability.Reached();

        page.WaitForAssertion(() => Assert.DoesNotContain("Database unavailable", Chip(page)), Patience);
    }

    private static string Chip(IRenderedComponent<Dashboard> page) => page.Find(".mud-chip").TextContent;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
