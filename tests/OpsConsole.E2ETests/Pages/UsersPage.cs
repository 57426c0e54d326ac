using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/admin/users: console users with role, state and last sign-in; an administrator creates and changes them.</summary>
public sealed class UsersPage(IPage page) : ConsolePage(page)
{
    public ILocator Row(string userName) => Page.GetByTestId("user-row").Filter(new() { Has = Page.GetByText(userName, new() { Exact = true }) });

    public ILocator Snackbar => Page.Locator(".mud-snackbar");

    public Task OpenAsync() => NavigateAsync("admin/users");

    public async Task CreateAsync(string userName, string role, string password)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "New user" }).ClickAsync();
        var form = Page.GetByTestId("user-form");
        await Expect(form).ToBeVisibleAsync();
        await form.GetByLabel("User name").FillAsync(userName);
        await form.GetByLabel("Initial password").FillAsync(password);
        var roleSelect = form.Locator("div.mud-select").First;
        await roleSelect.ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = role, Exact = true }).ClickAsync();
        // The choice travels to the server before the form is sent; without this wait "Create user" can overtake it.
        await Expect(roleSelect.Locator("input").First).ToHaveValueAsync(role);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
    }
}
