using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace OpsConsole.Data;

/// <summary>
/// Group commit for SQLite. SQLite has one writer at a time per file; instead of every request taking that lock on its own
/// (and the losers sleeping in SQLite's busy handler), this process's writes queue here and one loop runs whatever has
/// queued in one <c>BEGIN IMMEDIATE</c> transaction, each write in its own savepoint: a refused write rolls back alone, the
/// rest commit together. What keeps data right is that immediate transaction, which another process on the same file waits
/// for just the same; this queue only decides the order of this process's writers.
/// <para>
/// The loop has a thread of its own and runs each group synchronously on it (SQLite's calls never truly wait): a loop on
/// the thread pool queued behind the very requests waiting for it, between groups and at every await that yielded (at 200
/// tasks a second, the median <c>POST tasks/</c> took 11–16 ms that way, 7–9 ms this way in most runs).
/// </para>
/// <para>
/// New work (<see cref="WriteLane.NewWork"/>: tasks created, failures and bug reports taken in) waits in a lane of its own and
/// goes first: a group of it takes nothing else, and a group of updates commits once it has run <see cref="UpdatesPerTurn"/>
/// writes when new work waits and at most <see cref="UpdatesLead"/> updates still wait. A task created while twenty agents
/// report waits for a few of their writes, not for every report queued before it; the updates still get a turn after every
/// group of new work, and when they fall behind, creates wait for them (no backlog of tasks grows behind full agents).
/// </para>
/// </summary>
public sealed partial class SqliteWriteQueue : IAsyncDisposable
{
    /// <summary>The most writes one transaction carries; a storm is committed in steps this size.</summary>
    public const int MaxGroup = 64;

    /// <summary>How many updates a group runs, when they wait, before new work waiting behind them goes first (once at most <see cref="UpdatesLead"/> updates still wait).</summary>
    public const int UpdatesPerTurn = 8;

    /// <summary>
    /// How many waiting updates new work may go ahead of. When more wait, the agents' reports are falling behind what is
    /// created (as fast as it is answered, creators outrun the agents finishing their tasks): a group of updates then runs on
    /// until only this many wait (or it is whole: <see cref="MaxGroup"/> writes, of those that waited when it began), so
    /// creates are paced by the reports that free agents, as in plain arrival order, instead of a backlog of tasks growing
    /// behind full agents while the creators are answered first.
    /// </summary>
    public const int UpdatesLead = 16;

    private readonly Lanes pending = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IDbContextFactory<OpsDbContext> dbFactory; // the pool itself: the writer's contexts work on its own connection, never on a lent one
    private readonly DomainEventInterceptor events;
    private readonly DatabaseAvailability availability;
    private readonly TimeProvider time;
    private readonly ILogger<SqliteWriteQueue> logger;
    private readonly string connectionString;
    private readonly SqlitePragmas pragmas;
    private readonly SqliteStatementCache statements;
    private SqliteConnection? connection;
    private SqliteSavepoints? savepoints;
    private int disposed;

    public SqliteWriteQueue(
        PooledDbContextFactory<OpsDbContext> dbFactory, DomainEventInterceptor events, DatabaseAvailability availability, SqlitePragmas pragmas,
        SqliteStatementCache statements, TimeProvider time, ILogger<SqliteWriteQueue> logger, string connectionString)
    {
        this.dbFactory = dbFactory;
        this.events = events;
        this.availability = availability;
        this.time = time;
        this.logger = logger;
        this.connectionString = connectionString;
        this.pragmas = pragmas;
        this.statements = statements;
        using (ExecutionContext.SuppressFlow())
        {
            new Thread(Run) { IsBackground = true, Name = "SQLite writer" }.Start(); // nothing of the first caller's flow (its audit author) leaks into the writer
        }
    }

    public Task<T> EnqueueAsync<T>(WriteOperation<T> operation, WriteLane lane, CancellationToken cancellationToken) =>
        Enqueue(new QueuedWrite<T>(operation, null, AuditContext.Value, cancellationToken), lane).Result;

    /// <summary>
    /// A write followed, in the same commit, by <paramref name="tail"/>: run once for every write of the group that asks for
    /// the same tail, after all of them, in its own savepoint and context. The write's result, and the tail's (null when the
    /// tail was refused: it rolled back alone and the write still committed).
    /// </summary>
    public async Task<(T Result, int? Tail)> EnqueueWithTailAsync<T>(WriteOperation<T> operation, WriteOperation<int> tail, WriteLane lane, CancellationToken cancellationToken)
    {
        var write = Enqueue(new QueuedWrite<T>(operation, tail, AuditContext.Value, cancellationToken), lane);
        var result = await write.Result;
        return (result, await write.TailResult);
    }

    private QueuedWrite<T> Enqueue<T>(QueuedWrite<T> write, WriteLane lane)
    {
        write.CancellationToken.ThrowIfCancellationRequested();
        if (!pending.TryAdd(write, lane))
        {
            throw new ObjectDisposedException(nameof(SqliteWriteQueue), "The application is stopping; the write was not applied.");
        }

        return write;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        pending.Complete();
        await stopped.Task;
        await ResetConnectionAsync();
    }

    private void Run()
    {
        WriterPriority.RaiseCurrentThread(logger);
        try
        {
            RunGroups();
        }
        finally
        {
            stopped.TrySetResult(); // nothing more will be added, and everything added has run
        }
    }

    private void RunGroups()
    {
        UnitOfWork.MarkWriting(true);
        var group = new List<IQueuedWrite>(MaxGroup);
        var lane = WriteLane.Updates;

        // New work first, except right after a group of it: the updates waiting then have their turn.
        while (pending.Take(lane == WriteLane.NewWork ? WriteLane.Updates : WriteLane.NewWork, out var first, out lane))
        {
            if (FailedIfCancelled(first))
            {
                continue;
            }

            group.Clear();
            group.Add(first);
            try
            {
                // Updates: at most what waited when the group began, so a group commits before the writes queued behind it
                // wait long. New work: also what arrives while the group runs (up to MaxGroup), as it would go first anyway:
                // a create that missed its group by a moment would otherwise wait for the updates' turn and a group of its own.
                var more = lane == WriteLane.NewWork ? MaxGroup - 1 : Math.Min(MaxGroup - 1, pending.Waiting(lane));
                CommitGroupAsync(group, lane, more).GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                // Never let the writer die: every write queued after this one would wait for ever.
                DataLog.GroupFailed(logger, group.Count, ex);
                foreach (var write in group)
                {
                    write.Failed(ex);
                }
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="group"/> (its first write, then up to <paramref name="more"/> of <paramref name="lane"/> taken as
    /// it goes) in one transaction, then the tails they asked for, and commits.
    /// </summary>
    private async Task CommitGroupAsync(List<IQueuedWrite> group, WriteLane lane, int more)
    {
        var done = new List<(IQueuedWrite Write, OpsDbContext Db)>(MaxGroup);
        Dictionary<WriteOperation<int>, int?> tails = [];
        var stamp = availability.Stamp;
        try
        {
            var open = await OpenAsync();
            await using var transaction = (SqliteTransaction)await open.BeginTransactionAsync(); // BEGIN IMMEDIATE: waits for other processes' writers
            for (var i = 0; i < group.Count; i++)
            {
                if (await RunOneAsync(group[i], open, transaction) is { } db)
                {
                    done.Add((group[i], db));
                }

                if (i == group.Count - 1 && NextOfGroup(lane, group.Count, ref more) is { } next)
                {
                    group.Add(next);
                }
            }

            tails = await RunTailsAsync(done, open, transaction);
            await transaction.CommitAsync();
            availability.Reached();
        }
        catch (Exception ex)
        {
            // The transaction itself failed (the database stayed locked by another process, an I/O error): nothing of this
            // group was applied, and each of its writers hears so.
            await ResetConnectionAsync();
            var unavailable = WriteConflicts.IsUnavailable(ex);
            if (unavailable)
            {
                availability.Failed("busy", stamp);
            }

            var refusal = unavailable ? WriteConflicts.Unavailable(ex) : ex;
            DataLog.GroupFailed(logger, group.Count, ex);
            foreach (var (write, db) in done)
            {
                events.DiscardUncommitted(db);
                write.Failed(refusal);
                await ReturnAsync(db);
            }

            foreach (var write in group.Except(done.Select(d => d.Write)))
            {
                write.Failed(refusal);
            }

            return;
        }

        foreach (var (write, db) in done)
        {
            events.PublishCommitted(db);
            write.Committed();
            write.TailDone(write.Tail is { } tail ? tails.GetValueOrDefault(tail) : null);
            await ReturnAsync(db);
        }
    }

    /// <summary>
    /// The next write of a group of <paramref name="lane"/>, whose <paramref name="taken"/> writes ran; null to commit the group
    /// now: nothing more of its lane waits (for updates: of those that waited when it began), or new work waits behind a group of updates that had its turn and
    /// left at most <see cref="UpdatesLead"/> waiting (a task created, a failure reported, goes ahead of the agents' reports
    /// while they keep up, and updates still move during a storm).
    /// </summary>
    private IQueuedWrite? NextOfGroup(WriteLane lane, int taken, ref int more)
    {
        while (more > 0 && (lane == WriteLane.NewWork || taken < UpdatesPerTurn || pending.Waiting(WriteLane.NewWork) == 0 || pending.Waiting(WriteLane.Updates) > UpdatesLead)
            && pending.TryTake(lane, out var write))
        {
            more--;
            if (!FailedIfCancelled(write))
            {
                return write;
            }
        }

        return null;
    }

    /// <summary>True when the caller of <paramref name="write"/> gave up before it ran: it hears so, and the write is skipped.</summary>
    private static bool FailedIfCancelled(IQueuedWrite write)
    {
        if (!write.CancellationToken.IsCancellationRequested)
        {
            return false;
        }

        write.Failed(new OperationCanceledException(write.CancellationToken));
        return true;
    }

    /// <summary>
    /// Runs each distinct tail the group's applied writes asked for, once, after them; what each returned (null: refused).
    /// A tail's context joins <paramref name="done"/>, so its events go out with the commit.
    /// </summary>
    private async Task<Dictionary<WriteOperation<int>, int?>> RunTailsAsync(List<(IQueuedWrite Write, OpsDbContext Db)> done, SqliteConnection open, SqliteTransaction transaction)
    {
        var results = new Dictionary<WriteOperation<int>, int?>();
        foreach (var tail in done.Select(d => d.Write.Tail).OfType<WriteOperation<int>>().Distinct().ToList())
        {
            var write = new QueuedWrite<int>(tail, null, null, CancellationToken.None);
            if (await RunOneAsync(write, open, transaction) is { } db)
            {
                done.Add((write, db));
                results[tail] = write.Ran;
            }
            else
            {
                _ = write.Result.Exception; // refused and rolled back alone: the writes that asked for it run it again on their own
                results[tail] = null;
            }
        }

        return results;
    }

    /// <summary>
    /// Runs one write in its savepoint; its context when it succeeded, null when it was refused (rolled back alone). A write
    /// that met a changed row runs again at once: inside this transaction nothing else can change it a second time.
    /// </summary>
    private async Task<OpsDbContext?> RunOneAsync(IQueuedWrite write, SqliteConnection open, SqliteTransaction transaction)
    {
        for (var attempt = 1; ; attempt++)
        {
            var db = await LendAsync(open, transaction);
            db.Database.AutoSavepointsEnabled = false;
            savepoints!.Save(transaction);
            var error = await write.RunAsync(db, time.GetUtcNow().UtcDateTime);
            if (error is null)
            {
                savepoints.Release(transaction);
                return db;
            }

            events.DiscardUncommitted(db);
            savepoints.Undo(transaction);
            var again = WriteConflicts.IsRetryable(error) && attempt < UnitOfWork.MaxAttempts;

            // The 409 for a conflict reads the stored values through this context: map before it is disposed.
            var failure = again ? null : await MapAsync(error, attempt);
            await ReturnAsync(db);
            if (failure is null)
            {
                continue;
            }

            write.Failed(failure);
            return null;
        }
    }

    /// <summary>A context from the pool that works on the writer's connection, inside the group's transaction.</summary>
    private async Task<OpsDbContext> LendAsync(SqliteConnection open, DbTransaction transaction)
    {
        var db = await dbFactory.CreateDbContextAsync();
        db.Database.SetDbConnection(open);
        await db.Database.UseTransactionAsync(transaction);
        return db;
    }

    /// <summary>
    /// Gives a lent context its own connection string back before it returns to the pool (the pool keeps a context's
    /// connection: the next reader would otherwise share the writer's connection and see its uncommitted rows).
    /// </summary>
    private async Task ReturnAsync(OpsDbContext db)
    {
        try
        {
            await db.Database.UseTransactionAsync(null);
            db.Database.SetDbConnection(null);
            db.Database.SetConnectionString(connectionString);
        }
        finally
        {
            await db.DisposeAsync();
        }
    }

    private static async Task<Exception> MapAsync(Exception error, int attempt) => error switch
    {
        _ when WriteConflicts.IsRetryable(error) => await WriteConflicts.RefusalAsync(error, attempt, CancellationToken.None),
        _ when WriteConflicts.IsUniqueViolation(error) => new Domain.RefusedException(Domain.RefusalKind.Conflict,
            $"The request would duplicate a record that must be unique ({error.InnerException?.Message}); nothing was applied.", error),
        _ when WriteConflicts.IsUnavailable(error) => WriteConflicts.Unavailable(error),
        _ => error,
    };

    private async Task<SqliteConnection> OpenAsync()
    {
        if (connection is { State: System.Data.ConnectionState.Open })
        {
            return connection;
        }

        connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await pragmas.ApplyAsync(connection, CancellationToken.None);
        await using var writer = connection.CreateCommand();

        // SqliteCheckpointer copies the log back. Each write's savepoint keeps the pages it changes in a statement journal,
        // which SQLite spills to a temporary file (opened, written, unlinked) once it passes 64 KiB: kept in memory instead.
        writer.CommandText = $"PRAGMA wal_autocheckpoint = {SqliteCheckpointer.SafetyNetPages}; PRAGMA temp_store = MEMORY";
        await writer.ExecuteNonQueryAsync();
        statements.Attach(connection);
        savepoints = new SqliteSavepoints(connection);
        return connection;
    }

    private async Task ResetConnectionAsync()
    {
        savepoints?.Dispose();
        savepoints = null;
        if (connection is not null)
        {
            await connection.DisposeAsync();
            connection = null;
        }
    }
}
