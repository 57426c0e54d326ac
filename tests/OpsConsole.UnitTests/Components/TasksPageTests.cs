using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
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

    [Fact]
    public async Task Next_previous_and_last_page_through_every_task_once_and_say_which_rows_are_shown()
    {
        var titles = new List<string>();
        for (var i = 1; i <= 30; i++)
        {
            titles.Add((await context.CreateTaskAsync($"Routine deployment {i:D2}")).Title);
        }

        var page = context.Render<Tasks>();
        page.WaitForAssertion(() => Assert.Contains("1–25 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        var first = Titles(page);

        page.Find("button[aria-label='Next page']").Click();
        page.WaitForAssertion(() => Assert.Contains("26–30 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        var second = Titles(page);
        Assert.True(page.Find("button[aria-label='Next page']").HasAttribute("disabled"));

        page.Find("button[aria-label='Previous page']").Click();
        page.WaitForAssertion(() => Assert.Contains("1–25 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Equal(first, Titles(page));
        Assert.True(page.Find("button[aria-label='Previous page']").HasAttribute("disabled"));

        page.Find("button[aria-label='Last page']").Click();
        page.WaitForAssertion(() => Assert.Contains("26–30 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Equal(second, Titles(page));
        Assert.Equal(25, first.Count);
        Assert.Equal(titles.Order(), first.Concat(second).Order());
    }

    [Fact]
    public async Task A_page_after_the_first_stays_on_its_tasks_when_a_more_urgent_task_arrives_above_it()
    {
        for (var i = 1; i <= 30; i++)
        {
            await context.CreateTaskAsync($"Routine deployment {i:D2}");
        }

        var page = context.Render<Tasks>();
        page.WaitForAssertion(() => Assert.Contains("1–25 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        page.Find("button[aria-label='Next page']").Click();
        page.WaitForAssertion(() => Assert.Contains("26–30 of 30", page.Find("[data-testid=page-range]").TextContent), Patience);
        var shown = Titles(page);

        var urgent = await context.CreateTaskAsync("Deploy failed on web-1", priority: WorkItemPriority.Emergency);
        context.PublishLive(new WorkItemChanged(urgent.Id));

        page.WaitForAssertion(() => Assert.Contains("26–30 of 31", page.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Equal(shown, Titles(page));
        Assert.DoesNotContain("Deploy failed on web-1", page.Markup);
        page.Find("button[aria-label='First page']").Click();
        page.WaitForAssertion(() => Assert.Equal("Deploy failed on web-1", Titles(page)[0]), Patience);
    }

    [Fact]
    public async Task Past_ten_thousand_matches_the_count_reads_ten_thousand_plus()
    {
        await using (var db = context.Db())
        {
            await db.Database.ExecuteSqlRawAsync("""
                WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 10049)
                INSERT INTO tasks (Id, Title, Description, Kind, Priority, Status, EstimatedDuration, InputData, OutputData, GithubIssueState,
                  RetryCount, MaxRetries, EscalationLevel, AutoAssign, AutoRetry, AutoEscalate, CreatedOn, ModifiedOn, Owner, CreatedBy, ModifiedBy,
                  Occurrences, NeedsAttention)
                SELECT printf('%08X-0000-4000-8000-%012X', i, i), 'Listed task ' || i, 'bulk', 'Documentation', 2, 'Completed', '01:00:00', '{{}}', '{{}}',
                  'None', 0, 3, 0, 0, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'test', 'test', 'test', 1, 0
                FROM n
                """);
        }

        var page = context.Render<Tasks>();

        page.WaitForAssertion(() => Assert.Contains("1–25 of 10,000+", page.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Contains("10,000+ task(s)", page.Markup);
        page.Find("button[aria-label='Last page']").Click();
        page.WaitForAssertion(() => Assert.Contains("last 25 of 10,000+", page.Find("[data-testid=page-range]").TextContent), Patience);
        Assert.Contains("Listed task 0", Titles(page));
    }

    private static List<string> Titles(IRenderedComponent<Tasks> page) => [.. page.FindAll("tbody tr a").Select(a => a.TextContent)];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
