using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/health: the latest snapshot, one card per metric, with a day of history.</summary>
public sealed class HealthPage(IPage page) : ConsolePage(page)
{
    public ILocator Metric(string name) => Page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true });

    public Task OpenAsync() => NavigateAsync("health");
}
