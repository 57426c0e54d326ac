using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Infrastructure;

/// <summary>Screenshots kept as test artifacts in tests/OpsConsole.E2ETests/TestResults/screenshots (or OPSCONSOLE_E2E_ARTIFACTS).</summary>
public static class Screenshots
{
    public static string Directory { get; } = Environment.GetEnvironmentVariable("OPSCONSOLE_E2E_ARTIFACTS") is { Length: > 0 } configured
        ? configured
        : RepositoryRoot.Combine("tests", "OpsConsole.E2ETests", "TestResults", "screenshots");

    public static async Task<string> SaveAsync(IPage page, string name)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Animations = ScreenshotAnimations.Disabled });
        return path;
    }
}
