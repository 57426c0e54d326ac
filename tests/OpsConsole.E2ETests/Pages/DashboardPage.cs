using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/: tiles, agents, open tasks and recent activity, live.</summary>
public sealed class DashboardPage(IPage page) : ConsolePage(page)
{
    public ILocator EmergencyBanner => Page.Locator(".ops-emergency");

    public ILocator AgentsTable => Page.Locator(".mud-paper", new() { Has = Page.GetByRole(AriaRole.Heading, new() { Name = "Agents" }) });

    public ILocator OpenTask(string title) => Page.Locator("tr", new() { Has = Page.GetByRole(AriaRole.Link, new() { Name = title, Exact = true }) });

    public Task OpenAsync() => NavigateAsync("");
}
