using Bunit;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

public sealed class HealthPageTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private HealthService HealthService => context.Services.GetRequiredService<HealthService>();

    [Fact]
    public void Before_the_first_snapshot_the_page_says_when_one_comes()
    {
        var page = context.Render<Health>();

        page.WaitForAssertion(() => Assert.Contains("No health snapshot yet", page.Markup), Patience);
        Assert.Contains("every 300 s", page.Markup);
    }

    [Fact]
    public async Task Snapshot_shows_one_card_per_metric_and_the_rollup()
    {
        await context.SeedAgentsAsync();
        await HealthService.SnapshotAsync(dryRun: false, CancellationToken.None);

        var page = context.Render<Health>();

        page.WaitForAssertion(() => Assert.Contains("agents.availability", page.Markup), Patience);
        var titles = page.FindAll("h2").Select(h => h.TextContent.Trim()).ToList();
        Assert.Contains("task_queue.pending_tasks", titles);
        Assert.Contains("database.connectivity", titles);
        Assert.Contains("available 5 · total 5 · ratio 1", page.Markup);
        Assert.DoesNotContain("No health snapshot yet", page.Markup);
    }

    [Fact]
    public async Task Database_failure_is_reported_not_mistaken_for_no_snapshot()
    {
        await using var broken = new ConsoleTestContext(migrated: false);

        var page = broken.Render<Health>();

        page.WaitForAssertion(() => Assert.Contains("Could not load health", page.Markup), Patience);
        Assert.DoesNotContain("No health snapshot yet", page.Markup);
    }

    [Fact]
    public async Task New_snapshot_appears_when_the_health_event_arrives()
    {
        await context.SeedAgentsAsync();
        var page = context.Render<Health>();
        page.WaitForAssertion(() => Assert.Contains("No health snapshot yet", page.Markup), Patience);

        await HealthService.SnapshotAsync(dryRun: false, CancellationToken.None);
        context.PublishLive(new HealthChanged());

        page.WaitForAssertion(() => Assert.Contains("agents.availability", page.Markup), Patience);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
