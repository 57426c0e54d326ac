using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// A failure storm against the built console as a child process (Production, fresh data directory, real SQLite file) over a
/// real loopback port: N failures with K distinct fingerprints posted to POST failures/ in batches from several clients at
/// once. Dedup must hold: exactly K tasks, N occurrences in all. GitHub is the fake on loopback: every production problem gets
/// one issue, its repeats comments, within the rate limit. Like <c>post</c>, it measures once warm: storms of the same size
/// in staging (no issues) run until throughput stops improving (tiered compilation settles), then the production storm is
/// the measurement. OPSCONSOLE_APP_DLL runs another build (a baseline).
/// </summary>
public static class FailureStorm
{
    private const int MaxWarmUpRounds = 6;

    public static async Task<int> RunAsync(int failures, int fingerprints, int batchSize, int parallel)
    {
        // GitHub is the outside world: the same fake the integration tests use, on loopback, on the wall clock.
        await using var github = await FakeGitHub.StartAsync(() => DateTime.UtcNow);
        var settings = github.Settings().Where(s => s.Key != "GitHub:DeliveryIntervalSeconds")
            .Append(new("GitHub:DeliveryIntervalSeconds", "5"))
            .Append(new("OpsConsole:Api:WritesPerMinute", "1000000")) // load on purpose, not a runaway client
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), string? (s) => s.Value);
        var root = AppProcess.NewRoot();
        await using var node = await AppProcess.StartAsync(root, "storm", settings);
        Console.WriteLine($"console: {AppProcess.AppDll()}");
        var client = node.Client;

        await SteadyState.WarmUpRoundsAsync(async round =>
        {
            var (rate, p50, _) = await StormAsync(client, Failures(failures, fingerprints, "staging").Bodies, batchSize, parallel);
            Console.WriteLine($"warm-up storm {round} (staging, no issues): {rate:N0} failures/s, request p50={p50:F0} ms");
            return rate;
        }, MaxWarmUpRounds);

        var storm = Failures(failures, fingerprints, "production");
        Console.WriteLine($"Posting {failures:N0} failures with {fingerprints} fingerprints in requests of up to {batchSize}, {parallel} at a time…");
        var (perSecond, median, worst) = await StormAsync(client, storm.Bodies, batchSize, parallel);
        Console.WriteLine($"{failures:N0} failures: {perSecond:N0}/s; request p50={median:F0} ms max={worst:F0} ms");

        await using var store = new SqliteConnection($"Data Source={AppProcess.DatabasePathOf(root)};Mode=ReadOnly;Pooling=False");
        await store.OpenAsync();
        var like = $"%storm {storm.Run} %";
        var tasks = await ScalarAsync(store, "SELECT COUNT(*) FROM tasks WHERE \"Title\" LIKE @p", like);
        var occurrences = await ScalarAsync(store, "SELECT COALESCE(SUM(\"Occurrences\"), 0) FROM tasks WHERE \"Title\" LIKE @p", like);
        var recorded = await ScalarAsync(store,
            "SELECT COUNT(*) FROM failure_records WHERE \"WorkItemId\" IN (SELECT \"Id\" FROM tasks WHERE \"Title\" LIKE @p)", like);
        var assigned = await ScalarAsync(store, "SELECT COUNT(*) FROM tasks WHERE \"Title\" LIKE @p AND \"AssignedAgentId\" IS NOT NULL", like);
        Console.WriteLine($"tasks: {tasks} (expected {fingerprints}), occurrences: {occurrences:N0} (expected {failures:N0}), recorded failures: {recorded:N0}, assigned: {assigned}");
        var ok = tasks == fingerprints && occurrences == failures && recorded == failures;
        Console.WriteLine(ok ? "OK: one task per fingerprint" : "FAILED: dedup did not hold");

        // Every production failure task gets its issue; occurrences become comments. Wait for the outbox to drain.
        var drain = Stopwatch.StartNew();
        while (await ScalarAsync(store, "SELECT COUNT(*) FROM github_outbox WHERE \"DeliveredAt\" IS NULL AND \"FailedAt\" IS NULL", null) > 0
            && drain.Elapsed < TimeSpan.FromMinutes(10))
        {
            await Task.Delay(250);
        }

        var issues = github.Issues.Count;
        var violations = github.Requests.Count(r => r.Status is 403 or 429);
        var writes = github.Writes.Order().ToList();
        var worstMinute = writes.Count == 0 ? 0 : writes.Max(t => writes.Count(w => w > t.AddMinutes(-1) && w <= t));
        var comments = github.Issues.Sum(i => i.Comments.Count);
        Console.WriteLine($"GitHub: {issues} issues (at most {fingerprints}), {comments} comments, {writes.Count} writes, worst minute {worstMinute} writes (limit 80), " +
            $"{violations} rate-limit answers; outbox drained {drain.Elapsed.TotalSeconds:F1} s after the last failure was accepted");
        var githubOk = issues <= fingerprints && issues > 0 && violations == 0 && worstMinute <= 80
            && await ScalarAsync(store, "SELECT COUNT(*) FROM github_outbox WHERE \"DeliveredAt\" IS NULL", null) == 0;
        var kinds = github.Requests.Where(r => r.Method != "GET")
            .GroupBy(r => $"{r.Method} {System.Text.RegularExpressions.Regex.Replace(r.Path, "/[0-9]+", "/N")}")
            .Select(g => $"{g.Key} ×{g.Count()}");
        Console.WriteLine($"GitHub writes by route: {string.Join(", ", kinds)}");
        Console.WriteLine(githubOk ? "OK: at most one issue per fingerprint, no rate limit hit" : "FAILED: GitHub goals not met");
        ok &= githubOk;

        await store.CloseAsync();
        await node.StopAsync();
        AppProcess.DeleteRoot(root);
        return ok ? 0 : 1;
    }

    /// <summary>The storm's bodies: failure i is problem i mod K, with digits (masked in fingerprints) that differ every time.</summary>
    private static (string Run, List<Dictionary<string, object?>> Bodies) Failures(int failures, int fingerprints, string environment)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        return (run, [.. Enumerable.Range(0, failures).Select(i => new Dictionary<string, object?>
        {
            ["error_message"] = $"storm {run} problem {Letters(i % fingerprints)}: worker {i} crashed after {i * 3} ms on 10.0.{i % 256}.{i % 200}",
            ["failed_step"] = "run",
            ["environment"] = environment,
            ["timestamp"] = DateTime.UtcNow.ToString("O"),
        })]);
    }

    /// <summary>Posts the failures in batches from <paramref name="parallel"/> clients; failures a second and request times.</summary>
    private static async Task<(double PerSecond, double Median, double Worst)> StormAsync(HttpClient client, List<Dictionary<string, object?>> all, int batchSize, int parallel)
    {
        var batches = all.Chunk(batchSize).ToList();
        var latencies = new List<double>();
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < batches.Count)
            {
                var started = Stopwatch.GetTimestamp();
                object body = batchSize == 1 ? batches[index][0] : new { failures = batches[index] };
                using var response = await client.PostAsJsonAsync("failures/", body);
                response.EnsureSuccessStatusCode();
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }));
        var elapsed = watch.Elapsed;
        latencies.Sort();
        return (all.Count / elapsed.TotalSeconds, latencies[latencies.Count / 2], latencies[^1]);
    }

    private static async Task<long> ScalarAsync(SqliteConnection store, string sql, string? like)
    {
        await using var command = store.CreateCommand();
        command.CommandText = sql;
        if (like is not null)
        {
            command.Parameters.AddWithValue("@p", like);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Problem names without digits (digits are masked in fingerprints): 0 → "a", 27 → "bb".</summary>
    private static string Letters(int n) => new string((char)('a' + (n % 26)), 1 + (n / 26));
}
