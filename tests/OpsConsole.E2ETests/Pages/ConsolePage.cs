using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests.Pages;

/// <summary>What every console page shares: the browser page, and waiting until the live circuit answers clicks.</summary>
public abstract class ConsolePage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Heading => Page.Locator("h1");

    /// <summary>Pages are first sent as static HTML; clicks count only once the interactive circuit has taken over.</summary>
    public async Task WaitUntilInteractiveAsync() =>
        await Expect(Page.Locator("[data-interactive=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });

    /// <summary>Marks the loaded document; a reload would lose the mark.</summary>
    public Task MarkDocumentAsync() => Page.EvaluateAsync("() => { window.__opsE2eMark = 'same-document'; }");

    public Task<bool> IsSameDocumentAsync() => Page.EvaluateAsync<bool>("() => window.__opsE2eMark === 'same-document'");

    protected async Task NavigateAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitUntilInteractiveAsync();
    }
}
