using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>
/// The task list's status filter, for the API (<c>status</c>, <c>status__in</c>) and the console's "open only" alike. Every
/// open status at once (everything but completed and cancelled) is read as "not finished": EF writes it
/// <c>"Status" NOT IN ('Completed', 'Cancelled')</c>, the filter of the partial indexes of open tasks
/// (<c>WorkItemConfiguration.OpenTasks</c>), so the list walks one index that holds only open tasks in its order instead of
/// merging one seek per status. The list's count keeps the list of statuses, one seek per status in the
/// status index: counting "not finished" would walk past every finished task first.
/// </summary>
public static class TaskStatusFilter
{
    private static readonly WorkItemStatus[] OpenStatuses = [.. Enum.GetValues<WorkItemStatus>().Where(s => !s.IsTerminal())];

    /// <summary>Whether <paramref name="statuses"/> is every open status and nothing else.</summary>
    public static bool IsOpen(IReadOnlyCollection<WorkItemStatus>? statuses) =>
        statuses is not null && statuses.All(s => !s.IsTerminal()) && OpenStatuses.All(statuses.Contains);

    /// <summary>Tasks in one of <paramref name="statuses"/>: the rows of a page (for every open status, as "not finished").</summary>
    public static IQueryable<WorkItem> Rows(IQueryable<WorkItem> query, IReadOnlyCollection<WorkItemStatus> statuses) =>
        IsOpen(statuses)
            ? query.Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled)
            : Counted(query, statuses);

    /// <summary>Tasks in one of <paramref name="statuses"/>, as the list's count reads them.</summary>
    public static IQueryable<WorkItem> Counted(IQueryable<WorkItem> query, IReadOnlyCollection<WorkItemStatus> statuses) =>
        query.Where(w => statuses.Contains(w.Status));
}
