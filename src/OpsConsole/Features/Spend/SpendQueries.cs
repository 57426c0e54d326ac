using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;

namespace OpsConsole.Features.Spend;

/// <summary>What one agent or one model used today.</summary>
public sealed record SpendLine(string Name, decimal CostUsd, long InputTokens, long OutputTokens, int Reports);

/// <summary>Today's spend (UTC day): the total, per agent and per model, most expensive first.</summary>
public sealed record SpendToday(DateTime Since, decimal CostUsd, long InputTokens, long OutputTokens, IReadOnlyList<SpendLine> ByAgent, IReadOnlyList<SpendLine> ByModel)
{
    public static SpendToday None(DateTime since) => new(since, 0, 0, 0, [], []);
}

/// <summary>The spend figures the agents page, the dashboard and the wall show; read from the usage agents reported.</summary>
public sealed class SpendQueries(IDbContextFactory<OpsDbContext> dbFactory)
{
    public async Task<SpendToday> TodayAsync(DateTime now, CancellationToken cancellationToken)
    {
        var since = now.Date;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Today's reports are few enough to sum in memory, and SQLite cannot sum decimals.
        var records = await db.UsageRecords.AsNoTracking().Where(u => u.At >= since).ToListAsync(cancellationToken);
        if (records.Count == 0)
        {
            return SpendToday.None(since);
        }

        var agentIds = records.Select(r => r.AgentId).OfType<Guid>().Distinct().ToList();
        var names = await db.Agents.AsNoTracking().Where(a => agentIds.Contains(a.Id)).ToDictionaryAsync(a => a.Id, a => a.Name, cancellationToken);
        return new SpendToday(
            since,
            records.Sum(r => r.CostUsd),
            records.Sum(r => r.InputTokens),
            records.Sum(r => r.OutputTokens),
            Lines(records.GroupBy(r => r.AgentId is { } id ? names.GetValueOrDefault(id, id.ToString()) : "a person")),
            Lines(records.GroupBy(r => r.Model ?? "unknown model")));
    }

    private static List<SpendLine> Lines(IEnumerable<IGrouping<string, Domain.UsageRecord>> groups) =>
        [.. groups.Select(g => new SpendLine(g.Key, g.Sum(r => r.CostUsd), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), g.Count()))
            .OrderByDescending(l => l.CostUsd).ThenBy(l => l.Name)];
}
