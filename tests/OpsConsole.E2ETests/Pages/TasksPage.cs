using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/tasks: the filterable grid with bulk actions.</summary>
public sealed class TasksPage(IPage page) : ConsolePage(page)
{
    /// <summary>The bar above the grid: count or selection, and the bulk actions.</summary>
    public ILocator Toolbar => Page.Locator(".mud-toolbar", new() { Has = Page.GetByRole(AriaRole.Button, new() { Name = "Escalate", Exact = true }) });

    public ILocator Row(string title) => Page.Locator("tr", new() { Has = Page.GetByRole(AriaRole.Link, new() { Name = title, Exact = true }) });

    public ILocator Status(string title) => Row(title).GetByTestId("status");

    /// <summary>Opens the list with the search box already filled (filters live in the address).</summary>
    public Task OpenAsync(string? search = null) => NavigateAsync(search is null ? "tasks" : $"tasks?q={Uri.EscapeDataString(search)}");

    public async Task SelectAsync(string title)
    {
        var box = Checkbox(title);
        await box.ClickAsync();
        await Expect(box).ToBeCheckedAsync();
    }

    /// <summary>Clicks a bulk action and confirms it in the dialog, whose button names the action and the count ("Retry 2 tasks").</summary>
    public async Task BulkAsync(string action, int count)
    {
        await Toolbar.GetByRole(AriaRole.Button, new() { Name = action, Exact = true }).ClickAsync();
        var dialog = Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = $"{action} {count} task{(count == 1 ? "" : "s")}", Exact = true }).ClickAsync();
    }

    public ILocator Checkbox(string title) => Row(title).Locator("input[type=checkbox]");

    public ILocator Snackbar => Page.Locator(".mud-snackbar");
}
