using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

public sealed class WallPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Empty_wall_is_all_clear_with_no_emergencies()
    {
        var page = context.Render<Wall>();

        page.WaitForAssertion(() => Assert.Contains("All clear. Nothing is waiting.", page.Markup), Patience);
        Assert.Equal("0", page.Find("[data-testid=wall-emergencies]").TextContent);
        Assert.Empty(page.FindAll(".wall-alarm"));
    }

    [Fact]
    public async Task Emergencies_come_first_and_sound_the_alarm_tile()
    {
        await context.SeedAgentsAsync();
        await context.CreateTaskAsync("Routine deployment", priority: WorkItemPriority.Low);
        await context.CreateTaskAsync("Checkout is down", WorkItemKind.BugFix, WorkItemPriority.Emergency);

        var page = context.Render<Wall>();

        page.WaitForAssertion(() => Assert.Equal("1", page.Find("[data-testid=wall-emergencies]").TextContent), Patience);
        Assert.NotEmpty(page.FindAll(".wall-alarm"));
        var urgent = page.FindAll("[data-testid=wall-urgent] li").Select(li => li.TextContent).ToList();
        Assert.Equal(2, urgent.Count);
        Assert.Contains("EMERGENCY", urgent[0]);
        Assert.Contains("Checkout is down", urgent[0]);
        Assert.Contains("CodeAgent-Emergency", urgent[0]);
        Assert.Contains("Routine deployment", urgent[1]);
        Assert.Equal(5, page.FindAll(".wall-agent").Count);
    }

    [Fact]
    public async Task Database_failure_is_shown_on_the_wall_instead_of_an_empty_screen()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Wall>();

        page.WaitForAssertion(() => Assert.Contains("Cannot read the data", page.Find("[data-testid=wall-error]").TextContent), Patience);
        Assert.DoesNotContain("All clear", page.Markup);
    }

    [Fact]
    public void While_the_database_is_unavailable_the_wall_shows_its_stale_banner_saying_why_and_drops_it_when_it_is_back()
    {
        var page = context.Render<Wall>();
        page.WaitForAssertion(() => Assert.Equal("0", page.Find("[data-testid=wall-emergencies]").TextContent), Patience);
        Assert.Empty(page.FindAll("[data-testid=database-stale-banner]"));
        var availability = context.Services.GetRequiredService<DatabaseAvailability>();

        availability.Failed("busy");

        page.WaitForAssertion(() =>
        {
            var banner = page.Find("[data-testid=database-stale-banner]");
            Assert.Contains("Database unavailable since 12:00:00 UTC (busy)", banner.TextContent);
            Assert.Contains("wall-stale", banner.ClassList);
            Assert.Contains("critical", page.Find("[data-testid=wall-health]").TextContent);
        }, Patience);

        // The page reloads at most every quarter second (LiveComponent): let that pass.
        context.Time.Advance(OpsConsole.Components.LiveComponent.Coalesce);
        availability.Reached();

        page.WaitForAssertion(() =>
        {
            Assert.Empty(page.FindAll("[data-testid=database-stale-banner]"));
            Assert.DoesNotContain("critical", page.Find("[data-testid=wall-health]").TextContent);
        }, Patience);
    }

    [Fact]
    public async Task Emergency_count_rises_when_the_event_arrives()
    {
        await context.SeedAgentsAsync();
        var page = context.Render<Wall>();
        page.WaitForAssertion(() => Assert.Equal("0", page.Find("[data-testid=wall-emergencies]").TextContent), Patience);

        var item = await context.CreateTaskAsync("Payments API returns 500", priority: WorkItemPriority.Emergency);
        context.PublishLive(new WorkItemChanged(item.Id));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("1", page.Find("[data-testid=wall-emergencies]").TextContent);
            Assert.Contains("Payments API returns 500", page.Find("[data-testid=wall-urgent]").TextContent);
        }, Patience);
    }

    [Fact]
    public void Clock_shows_the_injected_time()
    {
        var page = context.Render<Wall>();

        page.WaitForAssertion(() => Assert.Equal("12:00:00 UTC", page.Find("#wall-clock").TextContent), Patience);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
