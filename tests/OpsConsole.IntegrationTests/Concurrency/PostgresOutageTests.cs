using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.IntegrationTests.Intake;
using Xunit.Abstractions;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// Issue 19 item 4: the PostgreSQL server stops (a restart, a failover) while clients write and read. Meanwhile every
/// request is answered 503 with Retry-After (never a 500, never a hang) and the readiness probe names the database; once
/// the server is back the console recovers by itself (no poisoned connection pool) and every acknowledged write is there.
/// The server is one of this test's own, so no other test loses its database.
/// </summary>
public sealed class PostgresOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private PostgresCluster cluster = null!;
    private Node app = null!;

    public async Task InitializeAsync()
    {
        cluster = PostgresCluster.Start();
        app = new Node(PostgresCluster.NewDatabase(cluster.Admin, "opsconsole"), PostgresCluster.NewDatabase(cluster.Admin, "hangfire"));
        await app.CreateAdminClient().DeactivateSeededAgentsAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        cluster.Dispose();
    }

    [Fact]
    public async Task A_server_restart_under_load_is_503s_with_retry_after_then_recovery_by_itself_losing_nothing_acknowledged()
    {
        var acknowledged = new ConcurrentBag<string>();
        var statuses = new ConcurrentDictionary<string, int>();
        var missingRetryAfter = 0;
        using var stop = new CancellationTokenSource();
        var admin = app.CreateAdminClient();

        async Task WriteAsync(int writer)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var title = $"load {writer}-{n}";
                using var response = await admin.PostAsJsonAsync("/api/v1/orchestration/tasks/", new { title, task_type = "documentation", auto_assign = false });
                statuses.AddOrUpdate($"POST {(int)response.StatusCode}", 1, (_, c) => c + 1);
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add(title);
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    if (response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref missingRetryAfter);
                    }

                    await Task.Delay(50);
                }
            }
        }

        async Task ReadAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await admin.GetAsync("/api/v1/orchestration/tasks/?page_size=5");
                statuses.AddOrUpdate($"GET {(int)response.StatusCode}", 1, (_, c) => c + 1);
                await Task.Delay(20);
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(WriteAsync).Append(ReadAsync()));
        await UntilAsync(() => acknowledged.Count >= 20, "20 writes before the outage");

        cluster.StopServer();
        output.WriteLine($"stopped after {acknowledged.Count} acknowledged writes");
        await UntilAsync(() => statuses.GetValueOrDefault("POST 503") >= 8 && statuses.GetValueOrDefault("GET 503") >= 2, "writes and reads answered 503 during the outage");
        var readiness = await app.CreateClient().GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
        Assert.Contains("database", await readiness.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        cluster.StartServer();
        var atRestart = acknowledged.Count;
        await UntilAsync(() => acknowledged.Count >= atRestart + 20, "20 writes after the server came back");
        await Eventually.TrueAsync(async () => (await app.CreateClient().GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "ready again", Patience);
        await stop.CancelAsync();
        await load;

        output.WriteLine(string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.All(statuses.Keys, status => Assert.True(status is "POST 201" or "POST 503" or "GET 200" or "GET 503", $"no other answer than 201/200 or 503: {status}"));
        Assert.Equal(0, missingRetryAfter);
        await using var db = await app.DbAsync();
        var stored = (await db.WorkItems.Where(w => w.Title.StartsWith("load ")).Select(w => w.Title).ToListAsync()).ToHashSet();
        Assert.All(acknowledged, title => Assert.Contains(title, stored));
    }

    private static Task UntilAsync(Func<bool> done, string what) => Eventually.TrueAsync(done, what, Patience);

    private sealed class Node(string appDatabase, string hangfireDatabase) : PostgresOpsConsoleFactory(appDatabase, hangfireDatabase)
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
            [.. base.Settings, new("OpsConsole:Database:CommandTimeoutSeconds", "2")];
    }
}
