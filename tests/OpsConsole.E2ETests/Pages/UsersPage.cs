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
        // The form focuses its first field once it has rendered; filling before that focus arrives lets it pull the
        // next field's text into the user name. Wait for it, as a person would see the cursor there.
        var name = form.GetByLabel("User name");
        await Expect(name).ToBeFocusedAsync();
        await name.FillAsync(userName);
        await Expect(name).ToHaveValueAsync(userName);
        var initialPassword = form.GetByLabel("Initial password");
        await initialPassword.FillAsync(password);
        await Expect(initialPassword).ToHaveValueAsync(password);
        await Expect(name).ToHaveValueAsync(userName);
        var roleSelect = form.Locator("div.mud-select").First;
        await roleSelect.ClickAsync();
        await Page.GetByRole(AriaRole.Option, new() { Name = role, Exact = true }).ClickAsync();
        // The choice travels to the server before the form is sent; without this wait "Create user" can overtake it.
        await Expect(roleSelect.Locator("input").First).ToHaveValueAsync(role);
        await form.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
    }
}
