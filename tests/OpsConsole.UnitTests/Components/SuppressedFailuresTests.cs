using Bunit;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>The dashboard and the wall say how many failures maintenance windows held back in the last 24 h (not only failures/summary/).</summary>
public sealed class SuppressedFailuresTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    public async Task InitializeAsync()
    {
        await using var db = context.Db();
        FailureRecord Received(IntakeOutcome outcome, TimeSpan ago) => new()
        {
            ReceivedAt = context.Now - ago, Channel = "api", Fingerprint = Guid.NewGuid().ToString("N"), ErrorMessage = "Deployment failed", Outcome = outcome,
        };
        db.FailureRecords.AddRange(
            Received(IntakeOutcome.Suppressed, TimeSpan.FromMinutes(5)),
            Received(IntakeOutcome.Suppressed, TimeSpan.FromHours(23)),
            Received(IntakeOutcome.Suppressed, TimeSpan.FromHours(25)), // older than a day: not counted
            Received(IntakeOutcome.Created, TimeSpan.FromMinutes(1)));
        await db.SaveChangesAsync();
    }

    [Fact]
    public void The_dashboard_shows_the_failures_suppressed_in_the_last_24_hours()
    {
        var page = context.Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=suppressed-failures]").TextContent.Trim()), Patience);
        Assert.Contains("Suppressed by maintenance windows (24 h)", page.Markup);
    }

    [Fact]
    public void The_wall_shows_the_failures_suppressed_in_the_last_24_hours()
    {
        var page = context.Render<Wall>();

        page.WaitForAssertion(() => Assert.Equal("2", page.Find("[data-testid=wall-suppressed]").TextContent.Trim()), Patience);
        Assert.Contains("suppressed 24 h", page.Find("[data-testid=wall-suppressed]").ParentElement!.TextContent);
    }

    public async Task DisposeAsync() => await context.DisposeAsync();
}
