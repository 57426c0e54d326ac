using System.Diagnostics;
using System.Text.RegularExpressions;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>
/// Stops and restarts the shared console (same port, same data), as an operator's restart would; the other tests do not
/// mind which run of the server they talk to, and the console is running again whatever happens here.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed partial class WallRecoveryTests(ConsoleFixture console, ITestOutputHelper output)
{
    [Fact]
    public async Task Wall_shows_since_when_data_is_stale_while_the_server_is_down_and_recovers_by_itself_after_restart()
    {
        var clock = Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");
        var server = console.Server;
        await using var context = await console.SignedInContextAsync(1600, 900);
        var wall = new WallPage(await context.NewPageAsync());
        await wall.OpenAsync();
        await Expect(wall.StaleBanner).ToBeHiddenAsync();
        await wall.MarkDocumentAsync();
        Step("wall open");

        try
        {
            await server.StopAsync();
            Step($"console stopped: {server.LastStop}");
            if (!OperatingSystem.IsWindows())
            {
                Assert.StartsWith("exited with code 0", server.LastStop);
            }

            await Expect(wall.StaleBanner).ToBeVisibleAsync();
            await Expect(wall.StaleBanner).ToContainTextAsync("Live connection lost");
            await Expect(wall.StaleSince).ToHaveTextAsync(UtcTime());
            await Expect(wall.StaleBanner).ToHaveCSSAsync("background-color", "rgb(230, 81, 0)");
            await Expect(wall.Clock).ToBeVisibleAsync();
            await Screenshots.SaveAsync(wall.Page, "wall-stale");
            Step("stale banner shown");

            await server.StartAsync();
            Step("console started again");

            await Expect(wall.StaleBanner).ToBeHiddenAsync(new() { Timeout = 30_000 });
            await wall.WaitUntilInteractiveAsync();
            Step($"wall live again ({(await wall.IsSameDocumentAsync() ? "same document" : "reloaded")})");
            var title = $"After restart {Guid.NewGuid().ToString("N")[..6]}";
            await console.Api.CreateTaskAsync(title, priority: "emergency");
            await Expect(wall.UrgentTask(title)).ToBeVisibleAsync();
            await Screenshots.SaveAsync(wall.Page, "wall-recovered");
            Step("new emergency shown live");
        }
        finally
        {
            if (!server.IsRunning)
            {
                await server.StartAsync();
            }
        }
    }

    [GeneratedRegex(@"^\d\d:\d\d:\d\d UTC$")]
    private static partial Regex UtcTime();
}
