using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Infrastructure;

/// <summary>
/// Playwright driving the system's Chromium (OPSCONSOLE_CHROMIUM, else /usr/bin/chromium); browsers are never downloaded.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run",
    ];

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        Playwright = playwright;
        Browser = browser;
    }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public static string ChromiumPath()
    {
        var path = Environment.GetEnvironmentVariable("OPSCONSOLE_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"Chromium not found at {path}: install Debian's chromium package (scripts/test.sh does) or set OPSCONSOLE_CHROMIUM.");
    }

    public static async Task<BrowserSession> LaunchAsync()
    {
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var executable = ChromiumPath();
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = 60_000,
            });
            return new BrowserSession(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A fresh, cookie-less browser window for one test.</summary>
    public async Task<IBrowserContext> NewContextAsync(AppServer server, int width = 1440, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = "en-GB",
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(15_000);
        context.SetDefaultNavigationTimeout(30_000);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
    }
}
