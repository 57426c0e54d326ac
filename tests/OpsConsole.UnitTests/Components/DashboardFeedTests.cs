using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Dashboard;
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

    [Fact]
    public async Task A_new_task_adds_its_row_and_every_row_that_did_not_change_keeps_the_html_the_dashboards_hold()
    {
        await context.SeedAgentsAsync();
        var payments = await context.CreateTaskAsync("Payments API returns 502", WorkItemKind.Deployment, WorkItemPriority.Critical);
        var markup = context.Services.GetRequiredService<DashboardMarkup>();
        var before = await markup.GetAsync();

        var hostile = await context.CreateTaskAsync("<script>alert('x')</script> & <b>bold</b>", WorkItemKind.Deployment, WorkItemPriority.Low);
        context.PublishLive(new WorkItemChanged(hostile.Id));
        var after = await markup.GetAsync();

        Assert.Equal([payments.Id, hostile.Id], after.OpenTasks.Select(r => (Guid)r.Key));
        Assert.Same(before.OpenTasks.Single().Html.Value, after.OpenTasks.Single(r => (Guid)r.Key == payments.Id).Html.Value);
        // What people typed is shown as text, never as markup.
        var row = after.OpenTasks.Single(r => (Guid)r.Key == hostile.Id).Html.Value;
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", row);
        Assert.DoesNotContain("<script>", row);
        Assert.NotEqual(string.Concat(before.Tiles.Select(t => t.Html.Value)), string.Concat(after.Tiles.Select(t => t.Html.Value))); // a count moved
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
