using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.Dashboard;
using OpsConsole.UnitTests.TestSupport;

namespace OpsConsole.UnitTests.Components;

/// <summary>Every open dashboard shares one read per change.</summary>
public sealed class DashboardFeedTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private DashboardFeed Feed => context.Services.GetRequiredService<DashboardFeed>();

    [Fact]
    public async Task Dashboards_asking_between_changes_share_one_snapshot_and_a_change_brings_a_fresh_one()
    {
        await context.SeedAgentsAsync();
        var first = await Feed.GetAsync();
        var second = await Feed.GetAsync();
        Assert.Same(first, second);
        Assert.Empty(first.OpenTasks);

        var task = await context.CreateTaskAsync("Payments API returns 502", WorkItemKind.Deployment, WorkItemPriority.Critical);
        Assert.Same(first, await Feed.GetAsync()); // no event yet: the change is not announced
        context.PublishLive(new WorkItemChanged(task.Id));

        var fresh = await Feed.GetAsync();
        Assert.NotSame(first, fresh);
        Assert.Contains(fresh.OpenTasks, w => w.Id == task.Id);
        Assert.Equal(5, fresh.Agents.Count);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
