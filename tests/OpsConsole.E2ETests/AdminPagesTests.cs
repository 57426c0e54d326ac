using System.Net.Http.Headers;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

[Collection(ConsoleCollection.Name)]
public sealed class AdminPagesTests(ConsoleFixture console)
{
    [Fact]
    public async Task Administrator_creates_a_user_and_an_api_key_and_sees_the_key_once()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var userName = $"olga-{suffix}";
        var keyName = $"ci-runner-{suffix}";
        await using var context = await console.SignedInContextAsync();
        var page = await context.NewPageAsync();

        var users = new UsersPage(page);
        await users.OpenAsync();
        await Expect(users.Heading).ToHaveTextAsync("Users");
        await Expect(users.Row(AppServer.AdminUser)).ToContainTextAsync("(you)");
        await users.CreateAsync(userName, "Viewer", "Olga-pass-123");
        await Expect(users.Snackbar).ToContainTextAsync($"{userName} created as Viewer");
        await Expect(users.Row(userName)).ToContainTextAsync("active");
        await Expect(users.Row(userName)).ToContainTextAsync("never");
        await Screenshots.SaveAsync(page, "admin-users");

        var keys = new ApiKeysPage(page);
        await keys.OpenAsync();
        await keys.CreateAsync(keyName);
        await Expect(keys.OneTimeKey).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^ops_"));
        var key = (await keys.OneTimeKey.TextContentAsync())!.Trim();
        await Screenshots.SaveAsync(page, "admin-api-key-once");
        await keys.CloseOneTimeKeyAsync();
        await Expect(keys.OneTimeKeyDialog).ToBeHiddenAsync();
        await Expect(keys.Row(keyName)).ToContainTextAsync("active");
        Assert.DoesNotContain(key, await page.ContentAsync());

        using var client = new HttpClient { BaseAddress = console.Server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.True((await client.GetAsync("api/v1/orchestration/tasks/")).IsSuccessStatusCode, "the key shown once does not work");
        await Screenshots.SaveAsync(page, "admin-api-keys");
    }
}
