using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

[Collection(ConsoleCollection.Name)]
public sealed partial class ConsoleTests(ConsoleFixture console, ITestOutputHelper output)
{
    private static string Unique(string title) => $"{title} {Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public async Task Signing_in_leads_from_the_login_page_to_the_dashboard()
    {
        await using var context = await console.Browser.NewContextAsync(console.Server);
        var page = await context.NewPageAsync();

        await page.GotoAsync("");
        await Expect(page).ToHaveURLAsync(LoginAddress());
        await Screenshots.SaveAsync(page, "login");
        await new LoginPage(page).SignInAsync(AppServer.AdminUser, AppServer.AdminPassword);

        var dashboard = new DashboardPage(page);
        await Expect(dashboard.Heading).ToHaveTextAsync("Dashboard");
        await dashboard.WaitUntilInteractiveAsync();
        await Expect(dashboard.AgentsTable).ToContainTextAsync("DeploymentAgent-Primary");
        await Expect(page.GetByText(AppServer.AdminUser, new() { Exact = true })).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "dashboard");
    }

    [Fact]
    public async Task Wrong_password_is_refused_with_a_message_on_the_login_page()
    {
        await using var context = await console.Browser.NewContextAsync(console.Server);
        var page = await context.NewPageAsync();
        var login = new LoginPage(page);

        await login.OpenAsync();
        await login.SignInAsync(AppServer.AdminUser, "not-the-password");

        await Expect(login.Error).ToHaveTextAsync(OpsConsole.Security.ConsoleSignIn.Refusal);
        await Expect(page.GetByLabel("User name")).ToHaveValueAsync(AppServer.AdminUser);
        await Screenshots.SaveAsync(page, "login-refused");
    }

    [Fact]
    public async Task Emergency_posted_through_the_api_reaches_dashboard_and_wall_live_without_reload()
    {
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        var wall = new WallPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        await wall.OpenAsync();
        await dashboard.MarkDocumentAsync();
        await wall.MarkDocumentAsync();
        var title = Unique("Production deploy failed on web-1");

        // Neither page polls (the wall's clock only re-renders what it has), so a task that shows up in the same document came
        // over the live connection. The wait is Playwright's generous default ceiling; how long it took is logged, not asserted
        // (about a second on a quiet machine; a busy 2-core CI machine may take longer).
        var posted = Stopwatch.StartNew();
        await console.Api.CreateTaskAsync(title, priority: "emergency");
        await Expect(dashboard.OpenTask(title)).ToBeVisibleAsync();
        output.WriteLine($"on the dashboard {posted.ElapsedMilliseconds} ms after the POST was sent");
        await Expect(wall.UrgentTask(title)).ToBeVisibleAsync();
        output.WriteLine($"on the wall {posted.ElapsedMilliseconds} ms after the POST was sent");

        Assert.True(await dashboard.IsSameDocumentAsync(), "the dashboard reloaded instead of updating live");
        Assert.True(await wall.IsSameDocumentAsync(), "the wall reloaded instead of updating live");
        await Expect(dashboard.OpenTask(title)).ToContainTextAsync("EMERGENCY");
        await Expect(dashboard.EmergencyBanner).ToBeVisibleAsync();
        await Expect(wall.UrgentTask(title)).ToContainTextAsync("EMERGENCY");
        await Expect(wall.Emergencies).Not.ToHaveTextAsync("0");
        await Screenshots.SaveAsync(dashboard.Page, "dashboard-emergency");
        await Screenshots.SaveAsync(wall.Page, "wall");
    }

    [Fact]
    public async Task Escalating_from_the_detail_page_raises_the_priority_chip_and_records_the_reason()
    {
        var title = Unique("Slow rollout on api-2");
        var id = (string)(await console.Api.CreateTaskAsync(title, priority: "medium"))["id"]!;
        await using var context = await console.SignedInContextAsync();
        var detail = new TaskDetailPage(await context.NewPageAsync());
        await detail.OpenAsync(id);
        await Expect(detail.Priority).ToHaveTextAsync("MEDIUM");
        await Screenshots.SaveAsync(detail.Page, "task-detail");

        await detail.EscalateAsync("Customers report timeouts");

        await Expect(detail.Priority).ToHaveTextAsync("HIGH");
        await Expect(detail.Page.GetByText("escalation level 1")).ToBeVisibleAsync();
        await Expect(detail.Timeline).ToContainTextAsync("Customers report timeouts");
        Assert.Equal("high", (string?)(await console.Api.GetTaskAsync(id))["priority"]);
        await Screenshots.SaveAsync(detail.Page, "task-detail-escalated");
    }

    [Fact]
    public async Task An_operator_files_a_task_from_the_task_list_and_lands_on_its_page()
    {
        var title = Unique("Rotate the staging TLS certificate");
        await using var context = await console.SignedInContextAsync();
        var tasks = new TasksPage(await context.NewPageAsync());
        await tasks.OpenAsync();
        await tasks.Page.GetByRole(AriaRole.Button, new() { Name = "New task", Exact = true }).ClickAsync();
        var form = tasks.Page.GetByTestId("new-task");
        var create = form.GetByRole(AriaRole.Button, new() { Name = "Create task", Exact = true });

        await create.ClickAsync(); // no title yet: refused as POST tasks/ refuses it, next to the field, nothing created
        await Expect(tasks.Snackbar).ToContainTextAsync("Not created: title is required");
        await Expect(form).ToContainTextAsync("title is required and may not be blank");
        await Expect(form).ToBeVisibleAsync();

        await form.GetByLabel("Title").FillAsync(title);
        await form.GetByLabel("Environment").FillAsync("staging");
        await form.GetByLabel("Description").FillAsync(new string('x', 20_001)); // over POST tasks/'s limit: it reaches the server whole, and is refused the same way
        await create.ClickAsync();
        await Expect(form).ToContainTextAsync("description is 20001 characters long; at most 20000 are allowed");
        await Expect(tasks.Page).ToHaveURLAsync(new Regex(@"/tasks$"));

        await form.GetByLabel("Description").FillAsync("Expires on Friday.");
        await create.ClickAsync();

        await Expect(tasks.Page).ToHaveURLAsync(new Regex(@"/tasks/[0-9a-f-]{36}$"));
        await Expect(tasks.Page.Locator("h1")).ToContainTextAsync(title);
        await Expect(tasks.Snackbar).ToHaveCountAsync(1); // the earlier warning is gone with its answer
        await Expect(tasks.Snackbar).ToContainTextAsync("Created");
        var id = tasks.Page.Url[^36..];
        var stored = await console.Api.GetTaskAsync(id);
        Assert.Equal(title, (string?)stored["title"]);
        Assert.Equal("staging", (string?)stored["environment"]);
        Assert.Equal("Expires on Friday.", (string?)stored["description"]);
        await Screenshots.SaveAsync(tasks.Page, "task-filed-by-hand");
    }

    [Fact]
    public async Task Cancelling_from_the_detail_page_asks_first_and_keeping_it_changes_nothing()
    {
        var title = Unique("Stale cache on web-3");
        var id = (string)(await console.Api.CreateTaskAsync(title, priority: "medium"))["id"]!;
        await using var context = await console.SignedInContextAsync();
        var detail = new TaskDetailPage(await context.NewPageAsync());
        await detail.OpenAsync(id);
        var before = await detail.Status.TextContentAsync();
        var cancel = detail.Page.GetByRole(AriaRole.Button, new() { Name = "Cancel", Exact = true });

        await cancel.ClickAsync();
        var dialog = detail.Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync("Cancel this task?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Keep as is", Exact = true }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(detail.Status).ToHaveTextAsync(before!);
        Assert.NotEqual("cancelled", (string?)(await console.Api.GetTaskAsync(id))["status"]);

        await cancel.ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel task", Exact = true }).ClickAsync();

        await Expect(detail.Status).ToHaveTextAsync("cancelled");
        Assert.Equal("cancelled", (string?)(await console.Api.GetTaskAsync(id))["status"]);
    }

    [Fact]
    public async Task Bulk_retry_on_the_task_list_puts_failed_tasks_back_to_work()
    {
        var batch = Guid.NewGuid().ToString("N")[..6];
        var first = $"Migration failed on db-1 {batch}";
        var second = $"Migration failed on db-2 {batch}";
        await console.Api.CreateFailedTaskAsync(first);
        await console.Api.CreateFailedTaskAsync(second);
        await using var context = await console.SignedInContextAsync();
        var tasks = new TasksPage(await context.NewPageAsync());
        await tasks.OpenAsync(batch);
        await Expect(tasks.Status(first)).ToHaveTextAsync("failed");
        await Expect(tasks.Status(second)).ToHaveTextAsync("failed");

        await tasks.SelectAsync(first);
        await tasks.SelectAsync(second);
        await Expect(tasks.Toolbar).ToContainTextAsync("2 selected");
        await Screenshots.SaveAsync(tasks.Page, "tasks-selected");
        await tasks.BulkAsync("Retry", 2);

        await Expect(tasks.Snackbar).ToContainTextAsync("Retry: 2 task(s) done.");
        // Messages show at the bottom of the window, clear of the buttons at the top of every page.
        var message = await tasks.Snackbar.First.BoundingBoxAsync();
        Assert.True(message!.Y > tasks.Page.ViewportSize!.Height / 2, $"the message shows at y={message.Y} in a window {tasks.Page.ViewportSize.Height} high");
        await Expect(tasks.Status(first)).ToHaveTextAsync(BackToWork());
        await Expect(tasks.Status(second)).ToHaveTextAsync(BackToWork());
        // The selection is gone, on the rows as in the toolbar: nothing looks selected that a next action would skip.
        await Expect(tasks.Checkbox(first)).Not.ToBeCheckedAsync();
        await Expect(tasks.Checkbox(second)).Not.ToBeCheckedAsync();
        await Expect(tasks.Toolbar).Not.ToContainTextAsync("selected");
        await Screenshots.SaveAsync(tasks.Page, "tasks-retried");
    }

    [Fact]
    public async Task Agents_and_health_pages_show_the_seeded_agents_and_the_first_snapshot()
    {
        await using var context = await console.SignedInContextAsync();
        var page = await context.NewPageAsync();
        var agents = new AgentsPage(page);
        await agents.OpenAsync();
        foreach (var name in new[] { "DeploymentAgent-Primary", "GitHubAgent-Issues", "CodeAgent-Emergency", "MonitoringAgent-System", "GeneralAgent-Backup" })
        {
            await Expect(agents.Agent(name)).ToBeVisibleAsync();
        }

        await Screenshots.SaveAsync(page, "agents");

        var health = new HealthPage(page);
        await health.OpenAsync();
        await Expect(health.Metric("agents.availability")).ToBeVisibleAsync();
        await Expect(health.Metric("database.connectivity")).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "health");

        var tasks = new TasksPage(page);
        await tasks.OpenAsync();
        await Expect(tasks.Heading).ToHaveTextAsync("Tasks");
        await Screenshots.SaveAsync(page, "tasks");
    }

    [GeneratedRegex(@"/login\?ReturnUrl=%2F$")]
    private static partial Regex LoginAddress();

    [GeneratedRegex("^(pending|assigned|in_progress)$")]
    private static partial Regex BackToWork();
}
