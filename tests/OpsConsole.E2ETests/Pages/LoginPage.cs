using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/login: a plain server-rendered form.</summary>
public sealed class LoginPage(IPage page)
{
    public IPage Page { get; } = page;

    public ILocator Error => Page.GetByRole(AriaRole.Alert);

    public async Task OpenAsync() => await Page.GotoAsync("login");

    public async Task SignInAsync(string user, string password)
    {
        await Page.Locator("#username").FillAsync(user);
        await Page.Locator("#password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
