using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Realtime;

namespace OpsConsole.Features.Dashboard;

/// <summary>Everything the dashboard shows, read at one moment; shared by every open dashboard.</summary>
public sealed record DashboardSnapshot(
    DateTime Now,
    DashboardDto Dashboard,
    MetricsDto Metrics,
    (TimeSpan? ToAssign, TimeSpan? ToResolve) Timings,
    IReadOnlyList<(WorkItemLogEntry Entry, string TaskTitle)> Activity,
    IReadOnlyList<Agent> Agents,
    IReadOnlyList<WorkItem> OpenTasks);

/// <summary>
/// One dashboard read for all circuits: the first dashboard that asks after a change reads the database, the others
/// (asking at the same time or before the next change) get the same snapshot. 200 open dashboards cost one set of
/// queries per change instead of 200, and hold one copy of the data instead of one each.
/// </summary>
public sealed class DashboardFeed : IDisposable
{
    /// <summary>Even without a change, a snapshot is read again after this long (ages and durations move on).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private readonly StatusQueries status;
    private readonly IDbContextFactory<OpsDbContext> dbFactory;
    private readonly TimeProvider time;
    private readonly IDisposable subscription;
    private readonly DatabaseAvailability database;
    private readonly OpsEventStream events;
    private readonly Lock gate = new();
    private long version;
    private long loadedVersion = -1;
    private long loadedAt;
    private Task<DashboardSnapshot>? current;

    public DashboardFeed(StatusQueries status, IDbContextFactory<OpsDbContext> dbFactory, OpsEventStream events, DatabaseAvailability database, TimeProvider time)
    {
        (this.status, this.dbFactory, this.database, this.time) = (status, dbFactory, database, time);
        subscription = events.Subscribe(_ => Changed());
        // The health chip says whether the database is there: an outage beginning or ending is a change like an event.
        database.Changed += Changed;
        // Changes other nodes made while the link between nodes was down: read everything again.
        (this.events = events).Missed += Changed;
    }

    public Task<DashboardSnapshot> GetAsync()
    {
        lock (gate)
        {
            var seen = Interlocked.Read(ref version);
            if (current is { IsFaulted: false, IsCanceled: false } && loadedVersion == seen && Stopwatch.GetElapsedTime(loadedAt) < MaxAge)
            {
                return current;
            }

            (loadedVersion, loadedAt) = (seen, Stopwatch.GetTimestamp());
            current = LoadAsync();
            return current;
        }
    }

    private async Task<DashboardSnapshot> LoadAsync()
    {
        var now = time.GetUtcNow().UtcDateTime;
        var dashboard = await status.DashboardAsync(CancellationToken.None);
        var metrics = await status.MetricsAsync(CancellationToken.None);
        var timings = await status.TimingsAsync(CancellationToken.None);
        var activity = await status.RecentActivityAsync(12, CancellationToken.None);
        await using var db = await dbFactory.CreateDbContextAsync();
        var agents = (await db.Agents.AsNoTracking().ToListAsync())
            .OrderByDescending(a => a.IsActive).ThenByDescending(a => a.PriorityWeight).ThenBy(a => a.Name).ToList();
        var openTasks = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
            .Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled)
            .OrderByDescending(w => w.NeedsAttention).ThenByDescending(w => w.Priority).ThenBy(w => w.CreatedOn)
            .Take(15).ToListAsync();
        return new DashboardSnapshot(now, dashboard, metrics, timings, activity, agents, openTasks);
    }

    public void Dispose()
    {
        subscription.Dispose();
        database.Changed -= Changed;
        events.Missed -= Changed;
    }

    private void Changed() => Interlocked.Increment(ref version);
}
