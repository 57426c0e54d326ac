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
    /// A list filtered by several statuses (or, without a status filter, several task types), in an order that starts with
    /// priority, is read one status (type) at a time and merged: each part is one seek in its index <c>(Status, Priority,
    /// CreatedOn)</c>, where SQLite would otherwise sort every matching task to find the first twenty. Null when the list is
    /// read whole.
    /// </summary>
    public static IReadOnlyList<Expression<Func<WorkItem, bool>>>? Parts(
        IReadOnlyList<(string Key, bool Descending)> terms, IReadOnlyCollection<WorkItemStatus>? statuses, IReadOnlyCollection<WorkItemKind>? kinds)
    {
        if (terms[0].Key != "priority")
        {
            return null;
        }

        if (statuses is { Count: > 0 })
        {
            return statuses.Count > 1 ? [.. statuses.Distinct().Select(s => (Expression<Func<WorkItem, bool>>)(w => w.Status == s))] : null;
        }

        return kinds is { Count: > 1 } ? [.. kinds.Distinct().Select(k => (Expression<Func<WorkItem, bool>>)(w => w.Kind == k))] : null;
    }
}
