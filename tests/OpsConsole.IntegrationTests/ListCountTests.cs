using Microsoft.Data.Sqlite;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// A list's <c>count</c> is exact up to 10,000 matching rows; past that it says so (<c>count_is_lower_bound</c>) instead of
/// counting every row for every page, and <c>next</c> still leads to the following page.
/// </summary>
public sealed class ListCountTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Past_ten_thousand_matches_the_count_is_a_marked_lower_bound_and_paging_still_works()
    {
        var admin = app.CreateAdminClient();
        await InsertCompletedTasksAsync(10_050);

        // 10,050 matches, 20 a page: page 502 is the last full one, page 503 holds the last 10.
        var deep = await admin.GetObjectAsync($"{Routes.Tasks}?status=completed&page=502");
        var last = await admin.GetObjectAsync($"{Routes.Tasks}?status=completed&page=503");
        var few = await admin.GetObjectAsync($"{Routes.Tasks}?status=completed&search=Listed%20task%2010049");

        Assert.Equal(10_000, (int)deep["count"]!);
        Assert.True((bool)deep["count_is_lower_bound"]!);
        Assert.Equal(20, deep["results"]!.AsArray().Count);
        Assert.Contains("page=503", (string?)deep["next"], StringComparison.Ordinal);
        Assert.Equal(10, last["results"]!.AsArray().Count);
        Assert.Null(last["next"]);

        Assert.Equal(1, (int)few["count"]!);
        Assert.False(few.ContainsKey("count_is_lower_bound"), "an exact count carries no mark");
    }

    /// <summary>Completed documentation tasks (nothing assigns or sweeps them), straight into the database in one statement.</summary>
    private async Task InsertCompletedTasksAsync(int count)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(app.DataDirectory, "opsconsole.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $$"""
            PRAGMA busy_timeout = 5000;
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {{count - 1}})
            INSERT INTO tasks (Id, Title, Description, Kind, Priority, Status, EstimatedDuration, InputData, OutputData, GithubIssueState,
              RetryCount, MaxRetries, EscalationLevel, AutoAssign, AutoRetry, AutoEscalate, CreatedOn, ModifiedOn, Owner, CreatedBy, ModifiedBy,
              Occurrences, NeedsAttention)
            SELECT printf('%08X-0000-4000-8000-%012X', i, i), 'Listed task ' || i, 'bulk', 'Documentation', 2, 'Completed', '01:00:00', '{}', '{}',
              'None', 0, 3, 0, 0, 0, 0, '2026-11-01 00:00:00', '2026-11-01 00:00:00', 'test', 'test', 'test', 1, 0
            FROM n;
            """;
        await command.ExecuteNonQueryAsync();
    }
}
