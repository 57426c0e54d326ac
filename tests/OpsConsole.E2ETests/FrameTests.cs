using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>The frame around every page (issue #7): the theme switch, the navigation drawer, and a grid that keeps focus.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class FrameTests(ConsoleFixture console)
{
    private const string Background = "() => getComputedStyle(document.body).backgroundColor";

    [Fact]
    public async Task The_theme_switch_turns_the_console_light_and_the_choice_survives_a_reload_but_not_on_the_wall()
    {
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        var page = dashboard.Page;
        var dark = await page.EvaluateAsync<string>(Background);
        Assert.Equal("rgb(15, 27, 39)", dark); // OpsTheme's dark background

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch theme" }).ClickAsync();

        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        await page.WaitForFunctionAsync($"() => getComputedStyle(document.body).backgroundColor !== '{dark}'");
        var light = await page.EvaluateAsync<string>(Background);
        await Screenshots.SaveAsync(page, "dashboard-light");

        await page.ReloadAsync();
        await dashboard.WaitUntilInteractiveAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "light");
        Assert.Equal(light, await page.EvaluateAsync<string>(Background));

        var wall = await context.NewPageAsync();
        await wall.GotoAsync("wall");
        await Expect(wall.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");

        await page.GetByRole(AriaRole.Button, new() { Name = "Switch theme" }).ClickAsync();
        await Expect(page.Locator("html")).ToHaveAttributeAsync("data-theme", "dark");
    }

    [Fact]
    public async Task On_a_phone_the_navigation_opens_over_the_page_and_closes_when_a_page_is_chosen()
    {
        await using var context = await console.SignedInContextAsync(width: 390, height: 844);
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        var page = dashboard.Page;
        var tasksLink = page.Locator("#ops-nav").GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true });
        await Expect(tasksLink).ToBeHiddenAsync();
        await dashboard.MarkDocumentAsync();

        var toggle = page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" });
        await toggle.ClickAsync();
        await Expect(tasksLink).ToBeInViewportAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(tasksLink).Not.ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "false");

        await toggle.ClickAsync();
        await Expect(tasksLink).ToBeInViewportAsync();
        await Expect(toggle).ToHaveAttributeAsync("aria-expanded", "true");
        await Screenshots.SaveAsync(page, "phone-navigation-open");
        await tasksLink.ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("/tasks$"));
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tasks");
        await Expect(tasksLink).Not.ToBeInViewportAsync();
        Assert.True(await dashboard.IsSameDocumentAsync(), "choosing a page reloaded the document");
        await Expect(tasksLink).ToHaveAttributeAsync("aria-current", "page");
    }

    [Fact]
    public async Task On_a_wide_screen_the_navigation_can_be_hidden_to_give_the_page_the_width()
    {
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        var page = dashboard.Page;
        var main = page.Locator("#main-content");
        var narrower = (await main.BoundingBoxAsync())!.Width;

        await page.GetByRole(AriaRole.Button, new() { Name = "Toggle navigation" }).ClickAsync();

        await Expect(page.Locator("#ops-nav").GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true })).Not.ToBeInViewportAsync();
        await page.WaitForFunctionAsync($"() => document.getElementById('main-content').getBoundingClientRect().width > {narrower + 200}");
    }

    [Fact]
    public async Task From_the_dashboard_the_tasks_page_opens_its_filter_menus_and_confirmation_dialogs()
    {
        var batch = Guid.NewGuid().ToString("N")[..6];
        var title = $"Certificate expires on api-7 {batch}";
        await console.Api.CreateTaskAsync(title, priority: "low");
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        var page = dashboard.Page;

        await page.Locator("#ops-nav").GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tasks");
        await page.GetByLabel("Search title").FillAsync(batch);
        var tasks = new TasksPage(page);
        await Expect(tasks.Row(title)).ToBeVisibleAsync();

        // A select's list is a popover; a bulk action asks in a dialog; its outcome is a snackbar.
        await page.Locator("div.mud-select", new() { HasText = "Priority" }).First.ClickAsync();
        var low = page.GetByRole(AriaRole.Option, new() { Name = "low" });
        await Expect(low).ToBeVisibleAsync();
        await page.Locator("h1").ClickAsync(); // outside the list: it closes
        await Expect(low).ToBeHiddenAsync();
        await tasks.SelectAsync(title);
        await tasks.BulkAsync("Escalate", 1);
        await Expect(tasks.Snackbar).ToContainTextAsync("Escalate: 1 task(s) done.");
    }

    [Fact]
    public async Task A_focused_row_keeps_the_focus_when_the_grid_is_read_again_after_a_change()
    {
        var batch = Guid.NewGuid().ToString("N")[..6];
        var title = $"Disk full on db-2 {batch}";
        var other = $"Backup job late {batch}";
        var id = (string)(await console.Api.CreateTaskAsync(title, maxRetries: 0, autoEscalate: false))["id"]!;
        await console.Api.CreateTaskAsync(other, priority: "low");
        await using var context = await console.SignedInContextAsync();
        var tasks = new TasksPage(await context.NewPageAsync());
        await tasks.OpenAsync(batch);
        var box = tasks.Row(title).Locator("input[type=checkbox]");
        await Expect(tasks.Status(title)).Not.ToHaveTextAsync("failed");
        await box.FocusAsync();
        await Expect(box).ToBeFocusedAsync();

        // Someone else fails the task: the grid reads the page again and shows the new status in the same row.
        await console.Api.FailAsync(id, "disk full");

        await Expect(tasks.Status(title)).ToHaveTextAsync("failed");
        await Expect(box).ToBeFocusedAsync();
        await tasks.Page.Keyboard.PressAsync("Space");
        await Expect(tasks.Toolbar).ToContainTextAsync("1 selected");
    }

    [Fact]
    public async Task Navigating_focuses_the_new_pages_heading_but_never_takes_the_focus_from_a_field_someone_already_moved_to()
    {
        var batch = Guid.NewGuid().ToString("N")[..6];
        var title = $"Queue stuck on worker-9 {batch}";
        await console.Api.CreateTaskAsync(title);
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        var page = dashboard.Page;

        // A link in the navigation, which stays on screen: focus goes to the new page's heading.
        await page.GetByRole(AriaRole.Link, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Tasks");
        await Expect(page.Locator("h1")).ToBeFocusedAsync();

        // The heading's focus arrives once the browser has acknowledged the page's first render: under load that is after
        // someone has already tabbed to a field. The call that moves it then leaves the field alone.
        var search = page.Locator(".mud-input-control", new() { HasText = "Search title" }).Locator("input");
        await search.FocusAsync();
        await page.EvaluateAsync("() => window.opsFocusHeading('h1')");
        await Expect(search).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(batch);
        await Expect(page).ToHaveURLAsync(new Regex($"[?&]q={batch}"));
    }
}
