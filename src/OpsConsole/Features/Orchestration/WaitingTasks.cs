using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Features.Orchestration;

/// <summary>
/// The tasks waiting for an agent that may go now, as every assignment pass reads them inside the write (where what a
/// query costs holds up every other writer): whether any waits for the kinds the free agents take, and the waiting lists
/// themselves, one small index seek per (status, kind). Both are compiled queries, and both say what "may go now" means
/// through <see cref="MayGoNow"/>, spelled once.
/// </summary>
public static class WaitingTasks
{
    private static readonly WorkItemStatus[] Statuses = [WorkItemStatus.Pending, WorkItemStatus.Escalated];

    /// <summary>
    /// A task may go to an agent now: it is assigned automatically, held by nobody, not backing off, and every task it
    /// depends on is completed.
    /// </summary>
    private static readonly Expression<Func<WorkItem, DateTime, bool>> MayGoNow = (w, now) =>
        w.AutoAssign
        && w.AssignedAgentId == null
        && (w.NextAttemptAt == null || w.NextAttemptAt <= now)
        && !w.DependsOn.Any(d => d.Status != WorkItemStatus.Completed);

    /// <summary>Sets of kinds with a compiled <see cref="AnyAsync"/> each.</summary>
    private const int MaxKindSets = 64;

    private static readonly ConcurrentDictionary<int, CompiledPerModel<Func<OpsDbContext, DateTime, CancellationToken, Task<bool>>>> AnyByKinds = new();

    /// <summary>
    /// Whether a task of <paramref name="kinds"/> waits that may go now: one query, where reading the lists is a seek per
    /// status and kind (free agents often take many kinds while what waits is of another). Its statuses and kinds are
    /// constants of the query (an IN list SQLite seeks the queue index with), so it is compiled once per set of kinds;
    /// past <see cref="MaxKindSets"/> sets (agents of ever new mixes) the answer is "maybe" and the caller reads the lists.
    /// </summary>
    public static Task<bool> AnyAsync(OpsDbContext db, DateTime now, IReadOnlyCollection<WorkItemKind> kinds, CancellationToken cancellationToken)
    {
        var set = kinds.Aggregate(0, (mask, kind) => mask | (1 << (int)kind));
        if (!AnyByKinds.TryGetValue(set, out var query) && AnyByKinds.Count < MaxKindSets)
        {
            WorkItemKind[] taken = [.. kinds];
            query = AnyByKinds.GetOrAdd(set, _ => new(() => EF.CompileAsyncQuery(Inline<Func<OpsDbContext, DateTime, CancellationToken, bool>>(
                (db, now, _) => db.WorkItems.Any(w => EF.Constant(Statuses).Contains(w.Status) && EF.Constant(taken).Contains(w.Kind) && Ready(w, now))))));
        }

        return query?.For(db)(db, now, cancellationToken) ?? Task.FromResult(true);
    }

    /// <summary>
    /// The waiting tasks of <paramref name="kinds"/> that may go now, untracked with their row versions (attach one to
    /// change it), most urgent first (priority, then production, then oldest).
    /// </summary>
    public static async Task<List<WaitingTask>> ReadAsync(
        OpsDbContext db, DateTime now, int limit, IReadOnlyCollection<WorkItemKind> kinds, CancellationToken cancellationToken)
    {
        var found = new List<WaitingTask>();
        foreach (var status in Statuses)
        {
            foreach (var kind in kinds)
            {
                await foreach (var waiting in List.For(db)(db, now, status, kind, limit).WithCancellation(cancellationToken))
                {
                    found.Add(waiting);
                }
            }
        }

        return found
            .OrderByDescending(w => w.Item.Priority)
            .ThenByDescending(w => string.Equals(w.Item.Environment, "production", StringComparison.OrdinalIgnoreCase))
            .ThenBy(w => w.Item.CreatedOn)
            .Take(limit)
            .ToList();
    }

    /// <summary>One (status, kind) list, most urgent first: one small seek of the queue index, stopping at the limit.</summary>
    private static readonly CompiledPerModel<Func<OpsDbContext, DateTime, WorkItemStatus, WorkItemKind, int, IAsyncEnumerable<WaitingTask>>> List = new(() =>
        EF.CompileAsyncQuery(Inline<Func<OpsDbContext, DateTime, WorkItemStatus, WorkItemKind, int, IQueryable<WaitingTask>>>(
            (db, now, status, kind, limit) => db.WorkItems.AsNoTracking()
                .Where(w => w.Status == status && w.Kind == kind && Ready(w, now))
                .OrderByDescending(w => w.Priority)
                .ThenBy(w => w.CreatedOn)
                .Take(limit)
                .Select(w => new WaitingTask(w, EF.Property<long>(w, OpsDbContext.VersionColumn))))));

    /// <summary>Stands for <see cref="MayGoNow"/> in the queries above; <see cref="Inline{T}"/> puts its body in before they are compiled.</summary>
    private static bool Ready(WorkItem w, DateTime now) => throw new InvalidOperationException("a query that uses Ready is inlined before it runs");

    /// <summary>
    /// The query with <see cref="Ready"/> replaced by the body of <see cref="MayGoNow"/> and every <c>EF.Constant(x)</c> by
    /// x's value: a compiled query can neither call a helper (EF cannot translate the call) nor take EF.Constant (it
    /// expects a parameter there), so both are resolved here, once, before compiling.
    /// </summary>
    private static Expression<T> Inline<T>(Expression<T> query) => (Expression<T>)new Inliner([]).Visit(query);

    private sealed class Inliner(Dictionary<ParameterExpression, Expression> arguments) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => arguments.GetValueOrDefault(node, node);

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType == typeof(WaitingTasks) && node.Method.Name == nameof(Ready))
            {
                var bound = new Dictionary<ParameterExpression, Expression>
                {
                    [MayGoNow.Parameters[0]] = Visit(node.Arguments[0]),
                    [MayGoNow.Parameters[1]] = Visit(node.Arguments[1]),
                };
                return new Inliner(bound).Visit(MayGoNow.Body);
            }

            if (node.Method.DeclaringType == typeof(EF) && node.Method.Name == nameof(EF.Constant))
            {
                return Expression.Constant(Expression.Lambda(node.Arguments[0]).Compile().DynamicInvoke(), node.Type);
            }

            return base.VisitMethodCall(node);
        }
    }
}

/// <summary>A task that may be assigned now, read untracked, with the row version it was read at.</summary>
public sealed record WaitingTask(WorkItem Item, long Version);
