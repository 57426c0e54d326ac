using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

public sealed class TasksPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Empty_list_without_filters_says_no_tasks_yet()
    {
        var page = context.Render<Tasks>();

        page.WaitForAssertion(() => Assert.Contains("No tasks yet.", page.Markup), Patience);
        Assert.DoesNotContain("Clear filters", page.Markup);
        Assert.Contains("0 task(s)", page.Markup);
    }

    [Fact]
    public async Task Tasks_are_listed_most_urgent_first_with_their_count()
    {
        await context.SeedAgentsAsync();
        await context.CreateTaskAsync("Routine deployment", priority: WorkItemPriority.Low);
        await context.CreateTaskAsync("Deploy failed on web-1", priority: WorkItemPriority.Critical);
        await context.CreateFailedTaskAsync("Migration failed");

        var page = context.Render<Tasks>();

        page.WaitForAssertion(() => Assert.Contains("3 task(s)", page.Markup), Patience);
        var titles = page.FindAll("tbody tr a").Select(a => a.TextContent).ToList();
        Assert.Equal(["Deploy failed on web-1", "Migration failed", "Routine deployment"], titles);
        Assert.Contains("failed", page.FindAll("tbody tr")[1].TextContent);
    }

    [Fact]
    public async Task Status_filter_in_the_address_shows_only_matching_tasks()
    {
        await context.SeedAgentsAsync();
        await context.CreateTaskAsync("Routine deployment");
        await context.CreateFailedTaskAsync("Migration failed");
        var navigation = context.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("tasks?status=failed");

        var page = context.Render<Tasks>();

        page.WaitForAssertion(() => Assert.Contains("1 task(s)", page.Markup), Patience);
        Assert.Equal(["Migration failed"], page.FindAll("tbody tr a").Select(a => a.TextContent));
    }

    [Fact]
    public async Task Database_failure_is_explained_and_the_grid_stays_usable()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Tasks>();

        page.WaitForAssertion(() => Assert.Contains("Could not load tasks", page.Markup), Patience);
        Assert.Contains("no such table", page.Markup);
    }

    [Fact]
    public async Task New_task_appears_when_its_event_arrives()
    {
        await context.SeedAgentsAsync();
        var page = context.Render<Tasks>();
        page.WaitForAssertion(() => Assert.Contains("0 task(s)", page.Markup), Patience);

        var item = await context.CreateTaskAsync("Rollback needed on api-2", priority: WorkItemPriority.High);
        context.PublishLive(new WorkItemChanged(item.Id));

        page.WaitForAssertion(() =>
        {
            Assert.Contains("1 task(s)", page.Markup);
            Assert.Contains("Rollback needed on api-2", page.Markup);
        }, Patience);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
