using Microsoft.Playwright;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OpsConsole.E2ETests.Infrastructure;

/// <summary>
/// One running console and one Chromium for the browser tests, plus a signed-in administrator's cookies that each
/// test's fresh browser context starts from. Tests that stop the server start their own <see cref="AppServer"/>.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private string? signedIn;

    public AppServer Server { get; } = new();

    public BrowserSession Browser { get; private set; } = default!;

    public ConsoleApi Api { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        var server = Server.StartAsync();
        var browser = BrowserSession.LaunchAsync();
        try
        {
            await Task.WhenAll(server, browser);
        }
        catch
        {
            if (browser.IsCompletedSuccessfully)
            {
                await browser.Result.DisposeAsync();
            }

            await Server.DisposeAsync();
            throw;
        }

        Browser = browser.Result;
        Api = new ConsoleApi(Server);
    }

    /// <summary>A fresh browser window already signed in as the administrator.</summary>
    public async Task<IBrowserContext> SignedInContextAsync(int width = 1440, int height = 900)
    {
        signedIn ??= await SignInOnceAsync(Browser, Server);
        var context = await Browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
            StorageState = signedIn,
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>Signs in through the form and returns the browser's storage state (the auth cookie).</summary>
    public static async Task<string> SignInOnceAsync(BrowserSession browser, AppServer server)
    {
        await using var context = await browser.NewContextAsync(server);
        var page = await context.NewPageAsync();
        await SignInAsync(page);
        return await context.StorageStateAsync();
    }

    public static async Task SignInAsync(IPage page)
    {
        var login = new LoginPage(page);
        await login.OpenAsync();
        await login.SignInAsync(AppServer.AdminUser, AppServer.AdminPassword);
        await Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}
