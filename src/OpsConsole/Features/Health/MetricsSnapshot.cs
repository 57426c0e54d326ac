using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Health;

/// <summary>
/// The levels that <see cref="OpsMetrics"/> reports, read from the database at most once per <see cref="MaxAge"/>: one grouped
/// count of open tasks, the agents (a handful of rows) and one grouped count of the GitHub outbox. Every gauge of a scrape
/// reads the same figures, and scrapes closer together than <see cref="MaxAge"/> (two Prometheus servers, a person with curl)
/// cost nothing. While the database cannot be read the last figures stay.
/// </summary>
public sealed class MetricsSnapshot(IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, ILogger<MetricsSnapshot> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private static readonly WorkItemStatus[] OpenStatuses = [.. Enum.GetValues<WorkItemStatus>().Where(s => !s.IsTerminal())];

    private readonly Lock gate = new();
    private Figures figures = new([], [], 0, 0);
    private DateTimeOffset? readAt;

    public sealed record OpenTaskCount(WorkItemStatus Status, WorkItemPriority Priority, long Count);

    public sealed record AgentLoad(string Name, AgentStatus Status, bool IsActive, long ActiveTasks, long MaxTasks);

    public sealed record Figures(IReadOnlyList<OpenTaskCount> OpenTasks, IReadOnlyList<AgentLoad> Agents, long OutboxPending, long OutboxFailed);

    /// <summary>The figures, read again when older than <see cref="MaxAge"/>. Observable instruments call this synchronously.</summary>
    public Figures Read()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (readAt is { } at && now - at < MaxAge)
            {
                return figures;
            }

            try
            {
                figures = Query();
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException or TimeoutException)
            {
                HealthLog.MetricsKept(logger, ex.Message);
            }

            readAt = now;
            return figures;
        }
    }

    private Figures Query()
    {
        using var db = dbFactory.CreateDbContext();
        var statuses = OpenStatuses;
        var open = db.WorkItems.AsNoTracking()
            .Where(w => EF.Constant(statuses).Contains(w.Status))
            .GroupBy(w => new { w.Status, w.Priority })
            .Select(g => new { g.Key.Status, g.Key.Priority, Count = g.LongCount() })
            .ToList()
            .Select(g => new OpenTaskCount(g.Status, g.Priority, g.Count))
            .ToList();
        var agents = db.Agents.AsNoTracking()
            .Select(a => new AgentLoad(a.Name, a.Status, a.IsActive, a.ActiveTaskCount, a.MaxConcurrentTasks))
            .ToList();
        var outbox = db.IssueOutbox.AsNoTracking()
            .Where(r => r.DeliveredAt == null)
            .GroupBy(r => r.FailedAt != null)
            .Select(g => new { Failed = g.Key, Count = g.LongCount() })
            .ToList();
        return new Figures(open, agents,
            outbox.Where(o => !o.Failed).Sum(o => o.Count),
            outbox.Where(o => o.Failed).Sum(o => o.Count));
    }
}
