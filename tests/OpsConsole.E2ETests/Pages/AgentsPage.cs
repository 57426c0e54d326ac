using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/agents: every agent with its status, load and success rate.</summary>
public sealed class AgentsPage(IPage page) : ConsolePage(page)
{
    public ILocator Agent(string name) => Page.GetByText(name, new() { Exact = true }).First;

    public Task OpenAsync() => NavigateAsync("agents");
}
