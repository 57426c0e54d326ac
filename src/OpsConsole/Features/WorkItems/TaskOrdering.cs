using System.Linq.Expressions;
using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// The orders of the task list, for the API (<c>ordering=</c>) and the console's columns alike. After the keys asked for
/// come the keys that decide ties, in the direction of the last key asked for, and last the id, so that every task has one
/// place and paging by position (<c>cursor=</c>) neither repeats nor skips a task. The tie-breakers follow the indexes:
/// a key with few distinct values (priority, status, escalation level, the mostly empty due date and next attempt) is
/// followed by priority and creation time, which its index <c>(key, Priority, CreatedOn)</c> holds in that order; a key
/// that is nearly unique (creation, modification, title) by the id alone.
/// </summary>
public static class TaskOrdering
{
    public const string Default = "-priority,-created_on";

    private sealed record Key(Expression<Func<WorkItem, object?>> Selector, string[] Ties);

    private static readonly string[] ByRank = ["priority", "created_on"];

    private static readonly Dictionary<string, Key> Keys = new()
    {
        ["created_on"] = new(w => w.CreatedOn, []),
        ["modified_on"] = new(w => w.ModifiedOn, []),
        ["title"] = new(w => w.Title, []),
        ["priority"] = new(w => w.Priority, ["created_on"]),
        ["status"] = new(w => w.Status, ByRank),
        ["escalation_level"] = new(w => w.EscalationLevel, ByRank),
        ["due_date"] = new(w => w.DueDate, ByRank),
        ["next_attempt_at"] = new(w => w.NextAttemptAt, ByRank),
    };

    /// <summary>The <c>ordering</c> keys the API accepts (each optionally with <c>-</c>).</summary>
    public static IReadOnlyCollection<string> Names => Keys.Keys;

    /// <summary><paramref name="query"/> in the order <paramref name="terms"/> asks for, ties decided as described above.</summary>
    public static IOrderedQueryable<WorkItem> Apply(IQueryable<WorkItem> query, IReadOnlyList<(string Key, bool Descending)> terms)
    {
        var descending = terms[^1].Descending;
        var all = terms.Concat(Keys[terms[^1].Key].Ties.Where(t => !terms.Any(u => u.Key == t)).Select(t => (Key: t, Descending: descending))).ToList();
        var ordered = all[0].Descending ? query.OrderByDescending(Keys[all[0].Key].Selector) : query.OrderBy(Keys[all[0].Key].Selector);
        foreach (var (key, desc) in all.Skip(1))
        {
            ordered = desc ? ordered.ThenByDescending(Keys[key].Selector) : ordered.ThenBy(Keys[key].Selector);
        }

        return descending ? ordered.ThenByDescending(w => w.Id) : ordered.ThenBy(w => w.Id);
    }

    /// <summary>
    /// How a list is cut into parts that are each read in order and merged (null: read whole), so that every part is one seek
    /// in an index that already holds it in order, where SQLite would otherwise sort every matching task to find the first 20.
    /// In the default order (priority first): one part per status when several are asked for (each a seek in
    /// <c>(Status, Priority, CreatedOn)</c>), else one per task type. By creation time: filtered by status, one part per
    /// status (each a seek in <c>(Status, CreatedOn)</c>); one agent's tasks whole, a seek in <c>(AssignedAgentId, CreatedOn)</c>;
    /// filtered by type, or by agent or attention beside another filter, or by several priorities,
    /// one part per priority (and per type, for two), each a seek in the filter's <c>(…, Priority, CreatedOn)</c> index,
    /// which holds one priority's tasks by creation time; otherwise whole, in <c>(CreatedOn)</c>. Every open status at once
    /// is no status filter here: <see cref="TaskStatusFilter"/> reads it whole through the open tasks' own indexes.
    /// </summary>
    public static IReadOnlyList<Expression<Func<WorkItem, bool>>>? Parts(IReadOnlyList<(string Key, bool Descending)> terms, TaskFilters filters)
    {
        var statuses = filters.Statuses is { Count: > 1 } s ? s.Distinct().ToList() : null;
        var kinds = statuses is null && filters.Statuses is not { Count: > 0 } && filters.Kinds is { Count: > 1 } k ? k.Distinct().ToList() : null;
        switch (terms[0].Key)
        {
            case "priority":
                return statuses is not null ? [.. statuses.Select(ByStatus)] : kinds is not null ? [.. kinds.Select(ByKind)] : null;

            case "created_on":
                if (filters.Statuses is { Count: > 0 })
                {
                    // One seek per status in (Status, CreatedOn), which holds one status's tasks by creation time.
                    return statuses is not null ? [.. statuses.Select(ByStatus)] : null;
                }

                if (filters.AgentOnly && filters.Priorities is not { Count: > 1 })
                {
                    return null; // (AssignedAgentId, CreatedOn) holds one agent's tasks by creation time
                }

                var priorities = filters.Priorities is { Count: > 0 } p ? p.Distinct().ToList() : [.. Enum.GetValues<WorkItemPriority>()];
                if (!filters.Narrowed && filters.Priorities is not { Count: > 1 })
                {
                    return null; // (CreatedOn), (Priority, CreatedOn), or the open tasks' (CreatedOn): read whole
                }

                return kinds is { Count: 2 } ? [.. kinds.SelectMany(k => priorities.Select(pr => (Expression<Func<WorkItem, bool>>)(w => w.Kind == k && w.Priority == pr)))]
                    : [.. priorities.Select(ByPriority)];

            default:
                return null;
        }
    }

    private static Expression<Func<WorkItem, bool>> ByStatus(WorkItemStatus status) => w => w.Status == status;

    private static Expression<Func<WorkItem, bool>> ByKind(WorkItemKind kind) => w => w.Kind == kind;

    private static Expression<Func<WorkItem, bool>> ByPriority(WorkItemPriority priority) => w => w.Priority == priority;
}

/// <summary>The filters of a task list that decide how it is read (<see cref="TaskOrdering.Parts"/>).</summary>
/// <param name="Narrowed">Whether a status, task type, agent or attention filter narrows the list.</param>
public sealed record TaskFilters(
    IReadOnlyCollection<WorkItemStatus>? Statuses, IReadOnlyCollection<WorkItemKind>? Kinds, IReadOnlyCollection<WorkItemPriority>? Priorities, bool Narrowed)
{
    /// <summary>The filters as the list asked for them; every open status at once counts as no status filter (see <see cref="TaskStatusFilter"/>).</summary>
    public static TaskFilters Of(
        IReadOnlyCollection<WorkItemStatus>? statuses, IReadOnlyCollection<WorkItemKind>? kinds, IReadOnlyCollection<WorkItemPriority>? priorities, bool agent, bool attention)
    {
        var listed = statuses is { Count: > 0 } && !TaskStatusFilter.IsOpen(statuses) ? statuses : null;
        var typed = kinds is { Count: > 0 };
        return new(listed, kinds, priorities, listed is not null || typed || agent || attention)
        {
            AgentOnly = agent && listed is null && !typed && !attention,
        };
    }

    /// <summary>Whether one agent's tasks are asked for and no other filter narrows them (beside every open status or priorities).</summary>
    public bool AgentOnly { get; init; }
}
