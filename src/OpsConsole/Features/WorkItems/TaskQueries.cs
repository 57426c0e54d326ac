using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>Where a page of the console's task list starts: a cursor (null: the first page), with the page's number when known.</summary>
public sealed record TaskPageLink(string? Cursor, int? Number);

/// <summary>
/// A page of the console's task list: its tasks, how many match (exact up to <see cref="ListQuery.ExactCountLimit"/>, past it
/// that limit and <see cref="CountIsLowerBound"/>), the page's number when known, and where its neighbours and the last page
/// start (null: there is none).
/// </summary>
public sealed record TaskPage(
    IReadOnlyList<WorkItem> Items, int Count, bool CountIsLowerBound, int? Number, TaskPageLink? Previous, TaskPageLink? Next, TaskPageLink? Last)
{
    /// <summary>The count as a person reads it: "1,234", or "10,000+" when it is a lower bound.</summary>
    public string CountText => Count.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + (CountIsLowerBound ? "+" : "");
}

/// <summary>The task page: the task, its assignments and attempts, its last 200 log entries, the agents to give it to, its issue's changes.</summary>
public sealed record TaskDetailPage(
    WorkItem Item, List<Assignment> Assignments, List<AttemptDto> Attempts, List<WorkItemLogEntry> Log, List<Agent> Agents, List<IssueOutboxEntry> IssueChanges)
{
    /// <summary>The task's estimated duration as the API writes it ("HH:MM:SS").</summary>
    public string Estimated => ApiJson.Duration(Item.EstimatedDuration);
}

/// <summary>
/// Reads tasks for the console: filtered, sorted (priority by rank, ties as the API decides them) and paged in the database by
/// position, as the API's list is (<see cref="SeekPaging"/>): the next, previous and last pages are each an index seek however
/// deep the page, and a page stays where it is when tasks arrive above it.
/// </summary>
public sealed class TaskQueries(IDbContextFactory<OpsDbContext> dbFactory)
{
    /// <summary>Everything the task page shows of one task, or null when there is no such task.</summary>
    public async Task<TaskDetailPage?> DetailPageAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
        if (item is null)
        {
            return null;
        }

        return new TaskDetailPage(
            item,
            await db.Assignments.AsNoTracking().Include(a => a.Agent).Where(a => a.WorkItemId == taskId).OrderByDescending(a => a.AssignedAt).ToListAsync(cancellationToken),
            await Attempts.ListAsync(db, taskId, cancellationToken),
            await db.LogEntries.AsNoTracking().Where(l => l.WorkItemId == taskId).OrderByDescending(l => l.CreatedOn).Take(200).ToListAsync(cancellationToken),
            await AgentsByName(db).ToListAsync(cancellationToken),
            await db.IssueOutbox.AsNoTracking().Where(r => r.WorkItemId == taskId).OrderByDescending(r => r.Id).Take(50).ToListAsync(cancellationToken));
    }

    /// <summary>Every agent by name: the task list's agent filter and bulk actions.</summary>
    public async Task<List<Agent>> AgentsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await AgentsByName(db).ToListAsync(cancellationToken);
    }

    /// <summary>The page <paramref name="cursor"/> points at (null, or one this list did not give out: the first page).</summary>
    public async Task<TaskPage> PageAsync(TaskSearch search, string? cursor, int pageSize, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var terms = Terms(search);
        var filtered = Filter(db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(), search);
        var statuses = Statuses(search);
        var query = TaskOrdering.Apply(statuses is null ? filtered : TaskStatusFilter.Rows(filtered, statuses), terms);
        var keyset = Keyset<WorkItem>.For(db, query) ?? throw new InvalidOperationException("every task order is a keyset");
        var at = cursor is null ? null : PageCursor.Decode(cursor, keyset.Ordering, keyset.KeyTypes, out _);
        var counting = statuses is null ? keyset.Unordered : TaskStatusFilter.Counted(filtered, statuses);
        var counted = await counting.Take(ListQuery.ExactCountLimit + 1).CountAsync(cancellationToken);
        var exact = counted <= ListQuery.ExactCountLimit;
        var page = await SeekPaging.ReadAsync(keyset, at, 1, pageSize, TaskOrdering.Parts(terms, Filters(search)), exact ? counted : null, cancellationToken);
        var lastNumber = exact ? Math.Max(1, (counted + pageSize - 1) / pageSize) : (int?)null;
        return new TaskPage(
            page.Rows,
            Math.Min(counted, ListQuery.ExactCountLimit),
            !exact,
            page.Number,
            Link(page.Previous),
            Link(page.Next),
            page.Next is null ? null : new TaskPageLink(SeekPaging.End(keyset, lastNumber).Encode(), lastNumber));
    }

    /// <summary>Every matching task in the list's order, for CSV export (capped so an export cannot exhaust memory).</summary>
    public async IAsyncEnumerable<WorkItem> StreamAsync(TaskSearch search, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var filtered = Filter(db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(), search);
        var query = TaskOrdering.Apply(Statuses(search) is { } statuses ? TaskStatusFilter.Rows(filtered, statuses) : filtered, Terms(search));
        await foreach (var item in query.Take(max).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }

    private static IQueryable<Agent> AgentsByName(OpsDbContext db) => db.Agents.AsNoTracking().OrderBy(a => a.Name);

    private static TaskPageLink? Link(PageLink? link) => link is null ? null : new TaskPageLink(link.Cursor?.Encode(), link.Number);

    private static (string Key, bool Descending)[] Terms(TaskSearch search) => [(search.SortBy, search.Descending)];

    private static TaskFilters Filters(TaskSearch s) => TaskFilters.Of(Statuses(s), s.Kinds, s.Priorities, agent: s.AgentId is not null, attention: s.NeedsAttention);

    /// <summary>
    /// The statuses the search keeps: those chosen, without the finished ones when only open tasks are asked for; null for
    /// all. <see cref="TaskStatusFilter"/> reads them.
    /// </summary>
    private static List<WorkItemStatus>? Statuses(TaskSearch search)
    {
        if (!search.OpenOnly)
        {
            return search.Statuses.Count > 0 ? [.. search.Statuses] : null;
        }

        return [.. (search.Statuses.Count > 0 ? search.Statuses : Enum.GetValues<WorkItemStatus>())
            .Where(s => !s.IsTerminal()).Distinct()];
    }

    /// <summary>Every filter of the search but the statuses, which page and count read differently (<see cref="TaskStatusFilter"/>).</summary>
    private static IQueryable<WorkItem> Filter(IQueryable<WorkItem> query, TaskSearch s)
    {
        if (s.Kinds.Count > 0) query = query.Where(w => s.Kinds.Contains(w.Kind));
        if (s.Priorities.Count > 0) query = query.Where(w => s.Priorities.Contains(w.Priority));
        if (s.AgentId is { } agent) query = query.Where(w => w.AssignedAgentId == agent);
        if (!string.IsNullOrWhiteSpace(s.Environment)) query = query.Where(w => w.Environment == s.Environment);
        // A bare column, so the partial index of the few tasks that need attention answers it.
        if (s.NeedsAttention) query = query.Where(w => w.NeedsAttention);
        if (!string.IsNullOrWhiteSpace(s.Text))
        {
            var term = s.Text.Trim().ToLower();
            // Error details are encrypted at rest (Data/EncryptedColumns), so SQL cannot look inside them.
            query = query.Where(w => w.Title.ToLower().Contains(term) || w.Description.ToLower().Contains(term)
                || (w.Fingerprint != null && w.Fingerprint.ToLower().Contains(term)));
        }

        return query;
    }
}
