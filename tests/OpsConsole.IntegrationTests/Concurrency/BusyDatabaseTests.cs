using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Another process holds SQLite's write lock (a backup, a <c>sqlite3</c> shell with <c>BEGIN EXCLUSIVE</c>): a write waits
/// only OpsConsole:Database:CommandTimeoutSeconds and is answered 503 with Retry-After, changing nothing; reads still answer
/// (WAL); <c>/readyz</c> answers 503 naming the database; once the lock is gone it is ready again and the same request is applied.
/// </summary>
public sealed class BusyDatabaseTests(BusyDatabaseTests.Factory app) : IClassFixture<BusyDatabaseTests.Factory>
{
    [Fact]
    public async Task A_write_while_another_process_holds_the_database_is_a_503_with_retry_after_and_changes_nothing()
    {
        var admin = app.CreateAdminClient();
        await admin.CreateTaskAsync("before the lock", autoAssign: false);
        var before = (int)(await admin.GetObjectAsync(Routes.Tasks))["count"]!;

        await using (await DatabaseLock.TakeAsync(app.DataDirectory))
        {
            var refused = await admin.PostJsonAsync(Routes.Tasks, new { title = "during the lock", task_type = "documentation", auto_assign = false });
            var problem = await refused.ProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.True(refused.Headers.RetryAfter is not null, "a 503 says when to try again");
            Assert.Contains("not applied", Str(problem, "detail"), StringComparison.Ordinal);

            // Readers are not held up by a writer (WAL).
            Assert.Equal(before, (int)(await admin.GetObjectAsync(Routes.Tasks))["count"]!);

            // The balancer is told: not ready, and why.
            var readiness = await app.CreateClient().GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
            Assert.Contains("database: busy for", await readiness.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // And so does the status every dashboard and script reads.
            var health = (await admin.GetObjectAsync($"{Routes.Status}status/"))["system_health"]!;
            Assert.Equal("critical", (string?)health["status"]);
            Assert.Contains("Database unavailable since", (string?)health["message"], StringComparison.Ordinal);
        }

        var ready = await app.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
        // The outage is over in the status too. (Its status may still be critical for another reason: a health snapshot the
        // recurring job took meanwhile finds no agent in this test's pool.)
        var recovered = (await admin.GetObjectAsync($"{Routes.Status}status/"))["system_health"]!;
        Assert.DoesNotContain("Database unavailable", (string?)recovered["message"], StringComparison.Ordinal);
        await admin.CreateTaskAsync("after the lock", autoAssign: false);
        var after = await admin.GetObjectAsync($"{Routes.Tasks}?page_size=100");
        Assert.Equal(before + 1, (int)after["count"]!);
        Assert.DoesNotContain(after["results"]!.AsArray(), t => (string?)t!["title"] == "during the lock");
    }

    public sealed class Factory : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:Database:CommandTimeoutSeconds", "1")];
    }
}
