using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>What the console's task list asks for; also the shape of its URL and of the CSV export.</summary>
public sealed record TaskSearch
{
    public IReadOnlyList<WorkItemStatus> Statuses { get; init; } = [];
    public IReadOnlyList<WorkItemKind> Kinds { get; init; } = [];
    public IReadOnlyList<WorkItemPriority> Priorities { get; init; } = [];
    public Guid? AgentId { get; init; }
    public string? Environment { get; init; }
    public string? Text { get; init; }
    public bool OpenOnly { get; init; }
    public bool NeedsAttention { get; init; }
    public string SortBy { get; init; } = "priority";
    public bool Descending { get; init; } = true;

    /// <summary>The console's query string for this search (saved filters live in the URL).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        if (Statuses.Count > 0) parts.Add("status=" + string.Join(',', Statuses.Select(s => s.Wire())));
        if (Kinds.Count > 0) parts.Add("type=" + string.Join(',', Kinds.Select(k => k.Wire())));
        if (Priorities.Count > 0) parts.Add("priority=" + string.Join(',', Priorities.Select(p => p.Wire())));
        if (AgentId is { } agent) parts.Add($"agent={agent}");
        if (!string.IsNullOrWhiteSpace(Environment)) parts.Add("env=" + Uri.EscapeDataString(Environment));
        if (!string.IsNullOrWhiteSpace(Text)) parts.Add("q=" + Uri.EscapeDataString(Text));
        if (OpenOnly) parts.Add("open=true");
        if (NeedsAttention) parts.Add("attention=true");
        if (SortBy != "priority" || !Descending) parts.Add($"sort={(Descending ? "-" : "")}{SortBy}");
        return string.Join('&', parts);
    }

    public static TaskSearch FromQuery(IReadOnlyDictionary<string, string?> query)
    {
        string? Get(string key) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
        static List<T> Parse<T>(string? csv)
            where T : struct, Enum =>
            (csv ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(x => WireFormat.TryParse<T>(x, out var value) ? (T?)value : null).OfType<T>().Distinct().ToList();

        var sort = Get("sort") ?? "-priority";
        return new TaskSearch
        {
            Statuses = Parse<WorkItemStatus>(Get("status")),
            Kinds = Parse<WorkItemKind>(Get("type")),
            Priorities = Parse<WorkItemPriority>(Get("priority")),
            AgentId = Guid.TryParse(Get("agent"), out var agent) ? agent : null,
            Environment = Get("env"),
            Text = Get("q"),
            OpenOnly = Get("open") == "true",
            NeedsAttention = Get("attention") == "true",
            SortBy = TaskQueries.Sorts.Contains(sort.TrimStart('-')) ? sort.TrimStart('-') : "priority",
            Descending = sort.StartsWith('-'),
        };
    }
}

/// <summary>The task page: the task, its assignments and attempts, its last 200 log entries, the agents to give it to, its issue's changes.</summary>
public sealed record TaskPage(
    WorkItem Item, List<Assignment> Assignments, List<AttemptDto> Attempts, List<WorkItemLogEntry> Log, List<Agent> Agents, List<IssueOutboxEntry> IssueChanges);

/// <summary>Reads tasks for the console: filtered, sorted (priority by rank) and paged in the database.</summary>
public sealed class TaskQueries(IDbContextFactory<OpsDbContext> dbFactory)
{
    /// <summary>Everything the task page shows of one task, or null when there is no such task.</summary>
    public async Task<TaskPage?> PageAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
        if (item is null)
        {
            return null;
        }

        return new TaskPage(
            item,
            await db.Assignments.AsNoTracking().Include(a => a.Agent).Where(a => a.WorkItemId == taskId).OrderByDescending(a => a.AssignedAt).ToListAsync(cancellationToken),
            await Attempts.ListAsync(db, taskId, cancellationToken),
            await db.LogEntries.AsNoTracking().Where(l => l.WorkItemId == taskId).OrderByDescending(l => l.CreatedOn).Take(200).ToListAsync(cancellationToken),
            await db.Agents.AsNoTracking().OrderBy(a => a.Name).ToListAsync(cancellationToken),
            await db.IssueOutbox.AsNoTracking().Where(r => r.WorkItemId == taskId).OrderByDescending(r => r.Id).Take(50).ToListAsync(cancellationToken));
    }

    public static readonly string[] Sorts = ["priority", "created_on", "modified_on", "due_date", "status", "title", "escalation_level", "next_attempt_at"];

    public async Task<(IReadOnlyList<WorkItem> Items, int Total)> SearchAsync(TaskSearch search, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Filter(db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(), search);
        var total = await query.CountAsync(cancellationToken);
        var items = await Sort(query, search).Skip(page * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (items, total);
    }

    /// <summary>Every matching task, newest decisions first, for CSV export (capped so an export cannot exhaust memory).</summary>
    public async IAsyncEnumerable<WorkItem> StreamAsync(TaskSearch search, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await foreach (var item in Sort(Filter(db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).AsSplitQuery(), search), search).Take(max).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return item;
        }
    }

    private static IQueryable<WorkItem> Filter(IQueryable<WorkItem> query, TaskSearch s)
    {
        if (s.Statuses.Count > 0) query = query.Where(w => s.Statuses.Contains(w.Status));
        if (s.Kinds.Count > 0) query = query.Where(w => s.Kinds.Contains(w.Kind));
        if (s.Priorities.Count > 0) query = query.Where(w => s.Priorities.Contains(w.Priority));
        if (s.AgentId is { } agent) query = query.Where(w => w.AssignedAgentId == agent);
        if (!string.IsNullOrWhiteSpace(s.Environment)) query = query.Where(w => w.Environment == s.Environment);
        if (s.OpenOnly) query = query.Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled);
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

    private static IQueryable<WorkItem> Sort(IQueryable<WorkItem> query, TaskSearch s)
    {
        IOrderedQueryable<WorkItem> ordered = (s.SortBy, s.Descending) switch
        {
            ("created_on", true) => query.OrderByDescending(w => w.CreatedOn),
            ("created_on", false) => query.OrderBy(w => w.CreatedOn),
            ("modified_on", true) => query.OrderByDescending(w => w.ModifiedOn),
            ("modified_on", false) => query.OrderBy(w => w.ModifiedOn),
            ("due_date", true) => query.OrderByDescending(w => w.DueDate),
            ("due_date", false) => query.OrderBy(w => w.DueDate),
            ("status", true) => query.OrderByDescending(w => w.Status),
            ("status", false) => query.OrderBy(w => w.Status),
            ("title", true) => query.OrderByDescending(w => w.Title),
            ("title", false) => query.OrderBy(w => w.Title),
            ("escalation_level", true) => query.OrderByDescending(w => w.EscalationLevel),
            ("escalation_level", false) => query.OrderBy(w => w.EscalationLevel),
            ("next_attempt_at", true) => query.OrderByDescending(w => w.NextAttemptAt),
            ("next_attempt_at", false) => query.OrderBy(w => w.NextAttemptAt),
            (_, false) => query.OrderBy(w => w.Priority),
            _ => query.OrderByDescending(w => w.Priority),
        };
        return ordered.ThenByDescending(w => w.CreatedOn);
    }
}
