using Bunit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.Integrations.GitHub;
using OpsConsole.UnitTests.TestSupport;
using IntegrationsPage = OpsConsole.Components.Pages.Integrations;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>The Integrations page and the GitHub panel of a task, with GitHub not configured (the embedded default).</summary>
public sealed class GitHubPanelsTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Integrations_says_GitHub_is_not_configured_how_to_configure_it_and_that_nothing_waits()
    {
        var page = context.Render<IntegrationsPage>();

        page.WaitForAssertion(() => Assert.Contains("not configured", page.Find("[data-testid=github-state]").TextContent), Patience);
        Assert.Contains("GitHub:Token", page.Find("[data-testid=not-configured]").TextContent);
        Assert.Contains("Every issue is in sync", page.Markup);
        Assert.True(page.Find("[data-testid=deliver-now]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task A_task_without_an_issue_offers_to_create_one_and_then_shows_it_kept_locally_live_on_Integrations()
    {
        var task = await context.CreateTaskAsync("Disk almost full on db-2", WorkItemKind.Maintenance, WorkItemPriority.High);
        var integrations = context.Render<IntegrationsPage>();
        integrations.WaitForAssertion(() => Assert.Contains("Every issue is in sync", integrations.Markup), Patience);

        var detail = context.Render<TaskDetail>(p => p.Add(d => d.Id, task.Id));
        detail.WaitForAssertion(() => Assert.Equal("none", detail.Find("[data-testid=issue-state]").TextContent.Trim()), Patience);
        Assert.Contains("Disk almost full on db-2", detail.Markup); // the preview shows the issue as it would be written

        await detail.Find("[data-testid=issue-create] ").ClickAsync(new());

        detail.WaitForAssertion(() => Assert.Equal("local", detail.Find("[data-testid=issue-state]").TextContent.Trim()), Patience);
        Assert.Contains("GitHub is not configured", detail.Find("[data-testid=github-issue]").TextContent);
        await using (var db = context.Db())
        {
            Assert.Equal(IssueChangeKind.Open, (await db.IssueOutbox.SingleAsync(r => r.WorkItemId == task.Id)).Kind);
        }

        context.PublishLive(new IssueLinked(task.Id));
        integrations.WaitForAssertion(() => Assert.Contains("Disk almost full on db-2", integrations.Find("[data-testid=waiting]").TextContent), Patience);
        Assert.Contains("local", integrations.Find("[data-testid=waiting]").TextContent);
    }

    [Fact]
    public async Task A_paused_delivery_shows_until_when_and_why()
    {
        var status = context.Services.GetRequiredService<GitHubStatus>();
        status.Failed(new IssueTrackerException(TrackerFailure.RateLimited, "GitHub answered 429 Too Many Requests", context.Now.AddMinutes(3), secondary: true));

        var page = context.Render<IntegrationsPage>();

        page.WaitForAssertion(() => Assert.Contains("429 Too Many Requests", page.Find("[data-testid=paused]").TextContent), Patience);
        Assert.Contains("(in 3m", page.Find("[data-testid=paused]").TextContent);
        await Task.CompletedTask;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
