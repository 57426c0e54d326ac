using System.Net;
using Microsoft.Data.Sqlite;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>
/// Another process holds the database (a backup, a <c>sqlite3</c> shell): the open console says so at the top of the page,
/// without a reload (the wall in its stale banner), and takes the banner away once the database is free.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DatabaseBannerTests(ConsoleFixture console)
{
    [Fact]
    public async Task While_another_process_holds_the_database_the_open_page_says_so_and_recovers_by_itself()
    {
        await using var context = await console.SignedInContextAsync();
        var dashboard = new DashboardPage(await context.NewPageAsync());
        await dashboard.OpenAsync();
        await dashboard.WaitUntilInteractiveAsync();
        var banner = dashboard.Page.GetByTestId("database-banner");
        await Expect(banner).ToBeHiddenAsync();
        var wall = new WallPage(await context.NewPageAsync());
        await wall.OpenAsync();
        await wall.WaitUntilInteractiveAsync();
        await Expect(wall.DatabaseStaleBanner).ToBeHiddenAsync();
        using var probe = new HttpClient { BaseAddress = console.Server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };

        await using (var other = new SqliteConnection($"Data Source={Path.Combine(console.Server.Root, "data", "opsconsole.db")};Pooling=False"))
        {
            await other.OpenAsync();
            await using (var begin = other.CreateCommand())
            {
                begin.CommandText = "BEGIN EXCLUSIVE";
                await begin.ExecuteNonQueryAsync();
            }

            // What a load balancer asks every few seconds; it finds the write lock taken.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await probe.GetAsync("readyz")).StatusCode);
            await Expect(banner).ToContainTextAsync("Database unavailable since");
            await Expect(banner).ToContainTextAsync("(busy)");
            await Expect(wall.DatabaseStaleBanner).ToContainTextAsync("Database unavailable since");
            await Expect(wall.DatabaseStaleBanner).ToContainTextAsync("(busy)");
            await Expect(wall.DatabaseStaleBanner).ToBeVisibleAsync();
            await Screenshots.SaveAsync(dashboard.Page, "database-unavailable");

            await using var rollback = other.CreateCommand();
            rollback.CommandText = "ROLLBACK";
            await rollback.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("readyz")).StatusCode);
        await Expect(banner).ToBeHiddenAsync();
        await Expect(wall.DatabaseStaleBanner).ToBeHiddenAsync();
    }
}
