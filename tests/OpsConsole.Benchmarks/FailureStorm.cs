using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Benchmarks;

/// <summary>
/// A failure storm against the real app (in-process host, real SQLite file): N failures with K distinct fingerprints posted
/// to POST failures/ in batches from several clients at once. Dedup must hold: exactly K tasks, N occurrences in all.
/// </summary>
public static class FailureStorm
{
    public static async Task<int> RunAsync(int failures, int fingerprints, int batchSize, int parallel)
    {
        // GitHub is the outside world: the same fake the integration tests use, on loopback, on the wall clock.
        await using var github = await OpsConsole.IntegrationTests.Infrastructure.FakeGitHub.StartAsync(() => DateTime.UtcNow);
        using var app = new BenchHost(settings: github.Settings().Where(s => s.Key != "GitHub:DeliveryIntervalSeconds").Append(new("GitHub:DeliveryIntervalSeconds", "5")));
        var client = app.Client();
        var run = Guid.NewGuid().ToString("N")[..6];
        var all = Enumerable.Range(0, failures).Select(i =>
        {
            var problem = i % fingerprints;
            return new Dictionary<string, object?>
            {
                ["error_message"] = $"storm {run} problem {Letters(problem)}: worker {i} crashed after {i * 3} ms on 10.0.{i % 256}.{i % 200}",
                ["failed_step"] = "run",
                ["environment"] = "production",
                ["timestamp"] = DateTime.UtcNow.ToString("O"),
            };
        }).ToList();
        var batches = all.Chunk(batchSize).ToList();
        Console.WriteLine($"Posting {failures:N0} failures with {fingerprints} fingerprints in {batches.Count} requests of up to {batchSize}, {parallel} at a time…");

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
                using var response = await client.PostAsJsonAsync("/api/v1/orchestration/failures/", body);
                response.EnsureSuccessStatusCode();
                lock (latencies)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        }));
        var elapsed = watch.Elapsed;

        await using var db = await app.DbAsync();
        var tasks = await db.WorkItems.Where(w => w.Title.Contains($"storm {run}")).Select(w => new { w.Occurrences, w.AssignedAgentId }).ToListAsync();
        var recorded = await db.FailureRecords.CountAsync();
        latencies.Sort();
        Console.WriteLine($"{failures:N0} failures in {elapsed.TotalSeconds:F1} s ({failures / elapsed.TotalSeconds:N0}/s); request p50={latencies[latencies.Count / 2]:F0} ms max={latencies[^1]:F0} ms");
        Console.WriteLine($"tasks: {tasks.Count} (expected {fingerprints}), occurrences: {tasks.Sum(t => t.Occurrences):N0} (expected {failures:N0}), recorded failures: {recorded:N0}, assigned: {tasks.Count(t => t.AssignedAgentId != null)}");
        var ok = tasks.Count == fingerprints && tasks.Sum(t => t.Occurrences) == failures && recorded == failures;
        Console.WriteLine(ok ? "OK: one task per fingerprint" : "FAILED: dedup did not hold");

        // Every production failure task gets its issue; occurrences become comments. Wait for the outbox to drain.
        var drain = Stopwatch.StartNew();
        while (await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null && r.FailedAt == null) > 0 && drain.Elapsed < TimeSpan.FromMinutes(10))
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
            && await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null) == 0;
        Console.WriteLine(githubOk ? "OK: at most one issue per fingerprint, no rate limit hit" : "FAILED: GitHub goals not met");
        ok &= githubOk;
        return ok ? 0 : 1;
    }

    /// <summary>Problem names without digits (digits are masked in fingerprints): 0 → "a", 27 → "bb".</summary>
    private static string Letters(int n) => new string((char)('a' + (n % 26)), 1 + (n / 26));
}
