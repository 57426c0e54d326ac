using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Realtime;

namespace OpsConsole.Features.Health;

/// <summary>Background-job figures for the health snapshot; Hangfire in the app.</summary>
public interface IJobStatistics
{
    (long Failed, long Enqueued, long Scheduled, int Servers)? Read();
}

/// <summary>
/// Takes health snapshots (agents, task queue, process, database, jobs), keeps them as history, and rolls the
/// latest snapshot up as reference §10.1 does.
/// </summary>
public sealed class HealthService(
    IDbContextFactory<OpsDbContext> dbFactory,
    TimeProvider time,
    OpsEvents events,
    IJobStatistics jobs,
    Features.GitHub.GitHubStatusQuery github,
    DatabaseAvailability database,
    ILogger<HealthService> logger)
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private TimeSpan lastCpu = Process.GetCurrentProcess().TotalProcessorTime;
    private long lastCpuAt = Stopwatch.GetTimestamp();

    public async Task<IReadOnlyList<HealthSample>> SnapshotAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var samples = new List<HealthSample>();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var agents = await db.Agents.AsNoTracking().Where(a => a.IsActive).Select(a => a.Status).ToListAsync(cancellationToken);
        var available = agents.Count(s => s == AgentStatus.Available);
        var ratio = agents.Count == 0 ? 0 : (double)available / agents.Count;
        samples.Add(Sample("agents", "availability", new { available, total = agents.Count, ratio = Math.Round(ratio, 3) },
            agents.Count == 0 ? HealthState.Critical : ratio < 0.3 ? HealthState.Warning : HealthState.Healthy,
            new { ratio_below = 0.3 }, new { active_agents = 0 }, now));

        var pending = await db.WorkItems.CountAsync(w => w.Status == WorkItemStatus.Pending || w.Status == WorkItemStatus.Escalated, cancellationToken);
        var failedHour = await db.WorkItems.CountAsync(w => w.LastFailedAt != null && w.LastFailedAt >= now.AddHours(-1), cancellationToken);
        var oldest = await db.WorkItems.Where(w => w.Status == WorkItemStatus.Pending || w.Status == WorkItemStatus.Escalated)
            .OrderBy(w => w.CreatedOn).Select(w => (DateTime?)w.CreatedOn).FirstOrDefaultAsync(cancellationToken);
        samples.Add(Sample("task_queue", "pending_tasks",
            new { count = pending, failed_1h = failedHour, oldest_pending_age_seconds = oldest is { } o ? Math.Round((now - o).TotalSeconds) : 0 },
            HealthRollup.Grade(pending, 50, 100), new { above = 50 }, new { above = 100 }, now));

        var process = Process.GetCurrentProcess();
        var cpuNow = process.TotalProcessorTime;
        var elapsed = Stopwatch.GetElapsedTime(lastCpuAt);
        var cpuPercent = elapsed.TotalMilliseconds > 0
            ? (cpuNow - lastCpu).TotalMilliseconds / elapsed.TotalMilliseconds / Environment.ProcessorCount * 100
            : 0;
        (lastCpu, lastCpuAt) = (cpuNow, Stopwatch.GetTimestamp());
        samples.Add(Sample("process", "cpu", new { percent = Math.Round(cpuPercent, 1), cores = Environment.ProcessorCount },
            HealthRollup.Grade(cpuPercent, 80, 95), new { percent_above = 80 }, new { percent_above = 95 }, now));
        var workingSetMb = process.WorkingSet64 / 1024.0 / 1024.0;
        samples.Add(Sample("process", "memory", new { working_set_mb = Math.Round(workingSetMb, 1), gc_heap_mb = Math.Round(GC.GetTotalMemory(false) / 1024.0 / 1024.0, 1) },
            HealthRollup.Grade(workingSetMb, 1024, 2048), new { working_set_mb_above = 1024 }, new { working_set_mb_above = 2048 }, now));

        samples.Add(await DatabaseSampleAsync(db, now, cancellationToken));

        if (jobs.Read() is { } j)
        {
            samples.Add(Sample("jobs", "hangfire", new { failed = j.Failed, enqueued = j.Enqueued, scheduled = j.Scheduled, servers = j.Servers },
                j.Servers == 0 ? HealthState.Critical : j.Failed > 0 ? HealthState.Warning : HealthState.Healthy,
                new { failed_above = 0 }, new { servers = 0 }, now));
        }

        samples.Add(await GitHubSampleAsync(now, cancellationToken));

        if (!dryRun)
        {
            db.HealthSamples.AddRange(samples);
            await db.HealthSamples.Where(h => h.LastCheck < now - Retention).ExecuteDeleteAsync(cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            events.Publish(new HealthChanged());
        }

        return samples;
    }

    /// <summary>Every sample taken since <paramref name="since"/>, oldest first (the Health page's sparklines).</summary>
    public async Task<List<HealthSample>> HistoryAsync(DateTime since, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.HealthSamples.AsNoTracking().Where(h => h.LastCheck >= since).OrderBy(h => h.LastCheck).ToListAsync(cancellationToken);
    }

    /// <summary>The samples of the most recent snapshot.</summary>
    public async Task<IReadOnlyList<HealthSample>> LatestAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var latest = await db.HealthSamples.MaxAsync(h => (DateTime?)h.LastCheck, cancellationToken);
        return latest is null
            ? []
            : await db.HealthSamples.AsNoTracking().Where(h => h.LastCheck == latest).OrderBy(h => h.Component).ThenBy(h => h.MetricName).ToListAsync(cancellationToken);
    }

    public async Task<HealthSummary> SummaryAsync(CancellationToken cancellationToken)
    {
        if (database.Outage is { } outage)
        {
            // The latest samples were taken before it, and none can be stored until it is over.
            return new HealthSummary(HealthState.Critical, $"Database unavailable since {outage.Since:HH:mm:ss} UTC ({outage.Reason})");
        }

        try
        {
            return HealthRollup.Summarize(await LatestAsync(cancellationToken), time.GetUtcNow().UtcDateTime);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            HealthLog.SummaryFailed(logger, ex);
            return new HealthSummary(HealthState.Unknown, $"Health check failed: {ex.Message}");
        }
    }

    /// <summary>GitHub: the quota GitHub last reported and the outbox backlog. Not configured is healthy (issues are kept locally).</summary>
    private async Task<HealthSample> GitHubSampleAsync(DateTime now, CancellationToken cancellationToken)
    {
        var g = await github.StatusAsync(cancellationToken);
        var backlogAge = g.Backlog.OldestPendingAt is { } oldest ? Math.Round((now - oldest).TotalSeconds) : 0;
        var state = !g.Configured || g.DryRun ? HealthState.Healthy
            : g.Backlog.Failed > 0 || backlogAge > 3600 ? HealthState.Critical
            : g.State == "paused" || backlogAge > 600 || g.RateLimit.Remaining is < 100 ? HealthState.Warning
            : HealthState.Healthy;
        return Sample("github", "outbox", new
        {
            state = g.State,
            pending = g.Backlog.Pending,
            failed = g.Backlog.Failed,
            oldest_pending_age_seconds = backlogAge,
            rate_remaining = g.RateLimit.Remaining,
            rate_limit = g.RateLimit.Limit,
            writes_last_minute = g.RateLimit.WritesLastMinute,
            paused_until = g.PausedUntil,
        }, state, new { oldest_pending_age_seconds_above = 600, rate_remaining_below = 100, paused = true }, new { failed_above = 0, oldest_pending_age_seconds_above = 3600 }, now);
    }

    private async Task<HealthSample> DatabaseSampleAsync(OpsDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            await db.Agents.AsNoTracking().AnyAsync(cancellationToken);
            var latencyMs = watch.Elapsed.TotalMilliseconds;
            var file = db.Database.IsSqlite() ? db.Database.GetDbConnection().DataSource : null;
            var sizeMb = file is not null && File.Exists(file) ? new FileInfo(file).Length / 1024.0 / 1024.0 : (double?)null;
            return Sample("database", "connectivity", new { reachable = true, latency_ms = Math.Round(latencyMs, 2), file_size_mb = sizeMb is { } s ? Math.Round(s, 2) : (double?)null },
                HealthRollup.Grade(latencyMs, 200, 2000), new { latency_ms_above = 200 }, new { latency_ms_above = 2000, reachable = false }, now);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Sample("database", "connectivity", new { reachable = false, error = ex.Message }, HealthState.Critical, null, new { reachable = false }, now);
        }
    }

    private static HealthSample Sample(string component, string metric, object value, HealthState status, object? warning, object? critical, DateTime now) => new()
    {
        Component = component,
        MetricName = metric,
        MetricValue = JsonSerializer.Serialize(value, Json),
        Status = status,
        ThresholdWarning = warning is null ? null : JsonSerializer.Serialize(warning, Json),
        ThresholdCritical = critical is null ? null : JsonSerializer.Serialize(critical, Json),
        LastCheck = now,
    };
}
