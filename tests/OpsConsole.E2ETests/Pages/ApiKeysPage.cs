using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/admin/api-keys: keys for machine clients; a new key is shown once, in a dialog.</summary>
public sealed class ApiKeysPage(IPage page) : ConsolePage(page)
{
    public ILocator Row(string name) => Page.GetByTestId("key-row").Filter(new() { Has = Page.GetByText(name, new() { Exact = true }) });

    public ILocator OneTimeKeyDialog => Page.GetByRole(AriaRole.Dialog);

    public ILocator OneTimeKey => OneTimeKeyDialog.GetByTestId("one-time-key");

    public Task OpenAsync() => NavigateAsync("admin/api-keys");

    public async Task CreateAsync(string name)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "New key" }).ClickAsync();
        var form = Page.GetByTestId("key-form");
        await Expect(form).ToBeVisibleAsync();
        await form.GetByLabel("Name").FillAsync(name);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
    }

    public Task CloseOneTimeKeyAsync() => OneTimeKeyDialog.GetByRole(AriaRole.Button, new() { Name = "I have stored it" }).ClickAsync();
}
