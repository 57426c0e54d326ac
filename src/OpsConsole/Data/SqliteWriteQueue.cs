using System.Data.Common;
using System.Threading.Channels;
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
/// </summary>
public sealed class SqliteWriteQueue : IAsyncDisposable
{
    /// <summary>The most writes one transaction carries; a storm is committed in steps this size.</summary>
    public const int MaxGroup = 64;

    private readonly Channel<IQueuedWrite> pending = Channel.CreateUnbounded<IQueuedWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IDbContextFactory<OpsDbContext> dbFactory; // the pool itself: the writer's contexts work on its own connection, never on a lent one
    private readonly DomainEventInterceptor events;
    private readonly DatabaseAvailability availability;
    private readonly TimeProvider time;
    private readonly ILogger<SqliteWriteQueue> logger;
    private readonly string connectionString;
    private readonly SqlitePragmas pragmas;
    private readonly SqliteStatementCache statements;
    private readonly Task loop;
    private SqliteConnection? connection;

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
            loop = Task.Run(RunAsync); // nothing of the first caller's flow (its audit author) leaks into the writer
        }
    }

    private interface IQueuedWrite
    {
        CancellationToken CancellationToken { get; }

        /// <summary>What runs once after the writes of the group that asked for it, in the same commit (null: nothing).</summary>
        WriteOperation<int>? Tail { get; }

        /// <summary>The tail's outcome for this write, once committed: what it returned, or null when it was refused.</summary>
        void TailDone(int? result);

        Task<Exception?> RunAsync(OpsDbContext db, DateTime now);

        void Committed();

        void Failed(Exception ex);
    }

    public Task<T> EnqueueAsync<T>(WriteOperation<T> operation, CancellationToken cancellationToken) =>
        Enqueue(new QueuedWrite<T>(operation, null, AuditContext.Value, cancellationToken)).Result;

    /// <summary>
    /// A write followed, in the same commit, by <paramref name="tail"/>: run once for every write of the group that asks for
    /// the same tail, after all of them, in its own savepoint and context. The write's result, and the tail's (null when the
    /// tail was refused: it rolled back alone and the write still committed).
    /// </summary>
    public async Task<(T Result, int? Tail)> EnqueueWithTailAsync<T>(WriteOperation<T> operation, WriteOperation<int> tail, CancellationToken cancellationToken)
    {
        var write = Enqueue(new QueuedWrite<T>(operation, tail, AuditContext.Value, cancellationToken));
        var result = await write.Result;
        return (result, await write.TailResult);
    }

    private QueuedWrite<T> Enqueue<T>(QueuedWrite<T> write)
    {
        write.CancellationToken.ThrowIfCancellationRequested();
        if (!pending.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteWriteQueue), "The application is stopping; the write was not applied.");
        }

        return write;
    }

    public async ValueTask DisposeAsync()
    {
        pending.Writer.TryComplete();
        await loop;
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task RunAsync()
    {
        UnitOfWork.MarkWriting(true);
        var group = new List<IQueuedWrite>(MaxGroup);
        while (await pending.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && pending.Reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Failed(new OperationCanceledException(write.CancellationToken));
                    continue;
                }

                group.Add(write);
            }

            if (group.Count > 0)
            {
                try
                {
                    await CommitGroupAsync(group);
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
    }

    private async Task CommitGroupAsync(List<IQueuedWrite> group)
    {
        var done = new List<(IQueuedWrite Write, OpsDbContext Db)>(group.Count);
        Dictionary<WriteOperation<int>, int?> tails = [];
        var stamp = availability.Stamp;
        try
        {
            var open = await OpenAsync();
            await using var transaction = await open.BeginTransactionAsync(); // BEGIN IMMEDIATE: waits for other processes' writers
            foreach (var write in group)
            {
                if (await RunOneAsync(write, open, transaction) is { } db)
                {
                    done.Add((write, db));
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
    /// Runs each distinct tail the group's applied writes asked for, once, after them; what each returned (null: refused).
    /// A tail's context joins <paramref name="done"/>, so its events go out with the commit.
    /// </summary>
    private async Task<Dictionary<WriteOperation<int>, int?>> RunTailsAsync(List<(IQueuedWrite Write, OpsDbContext Db)> done, SqliteConnection open, DbTransaction transaction)
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
    private async Task<OpsDbContext?> RunOneAsync(IQueuedWrite write, SqliteConnection open, DbTransaction transaction)
    {
        for (var attempt = 1; ; attempt++)
        {
            var db = await LendAsync(open, transaction);
            db.Database.AutoSavepointsEnabled = false;
            await transaction.SaveAsync("w");
            var error = await write.RunAsync(db, time.GetUtcNow().UtcDateTime);
            if (error is null)
            {
                await transaction.ReleaseAsync("w");
                return db;
            }

            events.DiscardUncommitted(db);
            await transaction.RollbackAsync("w");
            await transaction.ReleaseAsync("w");
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
        await using var checkpoints = connection.CreateCommand();
        checkpoints.CommandText = $"PRAGMA wal_autocheckpoint = {SqliteCheckpointer.SafetyNetPages}"; // SqliteCheckpointer copies the log back
        await checkpoints.ExecuteNonQueryAsync();
        statements.Attach(connection);
        return connection;
    }

    private async Task ResetConnectionAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
            connection = null;
        }
    }

    private sealed class QueuedWrite<T>(WriteOperation<T> operation, WriteOperation<int>? tail, (Domain.Actor Actor, string? Ip)? author, CancellationToken cancellationToken) : IQueuedWrite
    {
        private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<int?> tailCompletion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? result;

        public Task<T> Result => completion.Task;

        public Task<int?> TailResult => tailCompletion.Task;

        /// <summary>What the operation returned in its last run (read before the commit, for a tail).</summary>
        public T? Ran => result;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public WriteOperation<int>? Tail { get; } = tail;

        public void TailDone(int? tailResult) => tailCompletion.TrySetResult(tailResult);

        public async Task<Exception?> RunAsync(OpsDbContext db, DateTime now)
        {
            // The author of the write is whoever queued it (the audit reads it while saving).
            AuditContext.Restore(author);
            try
            {
                result = await operation(db, now);
                return null;
            }
            catch (Exception ex)
            {
                return ex;
            }
            finally
            {
                AuditContext.Clear();
            }
        }

        public void Committed() => completion.TrySetResult(result!);

        public void Failed(Exception ex)
        {
            tailCompletion.TrySetResult(null);
            if (ex is OperationCanceledException)
            {
                completion.TrySetCanceled(CancellationToken);
            }
            else
            {
                completion.TrySetException(ex);
            }
        }
    }
}
