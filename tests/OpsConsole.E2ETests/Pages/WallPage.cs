using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/wall: the kiosk screen, with its stale-data banner when the live connection is lost.</summary>
public sealed class WallPage(IPage page) : ConsolePage(page)
{
    public ILocator Emergencies => Page.GetByTestId("wall-emergencies");

    public ILocator Urgent => Page.GetByTestId("wall-urgent");

    public ILocator UrgentTask(string title) => Urgent.Locator("li", new() { HasText = title });

    public ILocator StaleBanner => Page.GetByTestId("stale-banner");

    public ILocator StaleSince => Page.Locator("#wall-stale-since");

    /// <summary>The same banner, drawn by the server while the database is unavailable.</summary>
    public ILocator DatabaseStaleBanner => Page.GetByTestId("database-stale-banner");

    public ILocator Clock => Page.Locator("#wall-clock");

    public Task OpenAsync() => NavigateAsync("wall");
}
