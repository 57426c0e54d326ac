using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>A write: what it does with a fresh context at the moment it runs. It may run more than once (after a conflict).</summary>
public delegate Task<T> WriteOperation<T>(OpsDbContext db, DateTime now);

/// <summary>
/// The one way to write. Each operation runs in one database transaction with a fresh context, and its events go out only
/// after the commit. The database keeps data right, never a lock in this process:
/// <list type="bullet">
/// <item>SQLite: every write transaction is <c>BEGIN IMMEDIATE</c>, so its reads and writes are one atomic step against every
/// other writer, in this process or another. Writers of this process are queued and committed in groups
/// (<see cref="SqliteWriteQueue"/>), so they neither poll SQLite's busy handler nor pay one commit each.</item>
/// <item>PostgreSQL: writers run in parallel; tasks and agents carry a row version that every update checks, open fingerprints
/// a unique index. A writer that loses a race runs again with fresh data, a few times, then gets a 409 that says what changed.</item>
/// </list>
/// Operations must not call external services (GitHub, agents): they may run twice, and they hold the database.
/// </summary>
public sealed class UnitOfWork(
    IDbContextFactory<OpsDbContext> dbFactory,
    DomainEventInterceptor events,
    DatabaseAvailability availability,
    TimeProvider time,
    ILogger<UnitOfWork> logger,
    SqliteWriteQueue? queue = null)
{
    /// <summary>How many times a write runs before a conflict is reported to its caller.</summary>
    public const int MaxAttempts = 6;

    private static readonly AsyncLocal<bool> Writing = new();

    public Task<T> WriteAsync<T>(WriteOperation<T> operation, CancellationToken cancellationToken) =>
        WriteAsync(operation, WriteLane.Updates, cancellationToken);

    /// <summary>A write in <paramref name="lane"/>: on SQLite, new work is written ahead of the updates queued before it while they keep up (<see cref="SqliteWriteQueue.UpdatesLead"/>).</summary>
    public Task<T> WriteAsync<T>(WriteOperation<T> operation, WriteLane lane, CancellationToken cancellationToken)
    {
        if (Writing.Value)
        {
            // Each write is one transaction; a write inside a write would wait for itself.
            throw new InvalidOperationException("A unit of work was started inside another one; pass the context down instead.");
        }

        return queue is not null
            ? queue.EnqueueAsync(operation, lane, cancellationToken)
            : RunWithRetriesAsync(operation, cancellationToken);
    }

    /// <summary>
    /// A write, then <paramref name="tail"/> in the same commit where that is cheap: on SQLite the tail runs once after the group
    /// of writes committed together that ask for it, in its own savepoint (refused alone, never undoing the write). The write's
    /// result and the tail's; the tail's is null when it did not run in this commit (PostgreSQL, or refused): the caller
    /// runs it on its own.
    /// </summary>
    public async Task<(T Result, int? Tail)> WriteThenAsync<T>(WriteOperation<T> operation, WriteOperation<int> tail, WriteLane lane, CancellationToken cancellationToken)
    {
        if (queue is null || Writing.Value)
        {
            return (await WriteAsync(operation, lane, cancellationToken), null);
        }

        return await queue.EnqueueWithTailAsync(operation, tail, lane, cancellationToken);
    }

    /// <summary>Marks the current flow as inside a write (for the queue's loop, which runs operations on behalf of callers).</summary>
    internal static void MarkWriting(bool value) => Writing.Value = value;

    private async Task<T> RunWithRetriesAsync<T>(WriteOperation<T> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            try
            {
                Writing.Value = true;
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var result = await operation(db, time.GetUtcNow().UtcDateTime);
                await transaction.CommitAsync(cancellationToken);
                availability.Reached();
                events.PublishCommitted(db);
                return result;
            }
            catch (Exception ex) when (WriteConflicts.IsRetryable(ex))
            {
                events.DiscardUncommitted(db);
                if (attempt >= MaxAttempts)
                {
                    throw await WriteConflicts.RefusalAsync(ex, attempt, cancellationToken);
                }

                DataLog.ConflictRetried(logger, attempt, WriteConflicts.Describe(ex));
                await Task.Delay(WriteConflicts.Backoff(attempt), CancellationToken.None);
            }
            catch (Exception ex) when (WriteConflicts.IsUnavailable(ex))
            {
                events.DiscardUncommitted(db);
                availability.Failed("unreachable");

                // The server restarted or failed over: the pooled connections are dead, so the first requests after it is
                // back must not each meet one of them.
                NpgsqlConnection.ClearAllPools();
                throw WriteConflicts.Unavailable(ex);
            }
            catch
            {
                events.DiscardUncommitted(db);
                throw;
            }
            finally
            {
                Writing.Value = false;
                await db.DisposeAsync();
            }
        }
    }
}

/// <summary>
/// Which writes of this process go first when several wait (SQLite's one writer; PostgreSQL's writers run in parallel and
/// ignore it). Each lane keeps its order; a caller's own writes, awaited one after another, keep theirs.
/// </summary>
public enum WriteLane
{
    /// <summary>
    /// Work taken in: a task created, a failure or a bug report turned into one, a GitHub issue taken in. Whoever sends it
    /// waits to hear it was taken in, and the agent that gets it waits for it: it is written before the updates waiting
    /// (issue 13: creates had queued behind progress reports), as long as at most <see cref="SqliteWriteQueue.UpdatesLead"/>
    /// of them wait; when more do, the agents are falling behind and it waits for them (no backlog behind full agents).
    /// </summary>
    NewWork,

    /// <summary>Everything else: agents' reports and heartbeats, people's changes, the sweeps.</summary>
    Updates,
}

/// <summary>What a failed write means: a race to run again, a busy database, or the caller's own mistake.</summary>
public static class WriteConflicts
{
    /// <summary>Another writer got there first: a changed row version, a unique key taken meanwhile, a serialization failure.</summary>
    public static bool IsRetryable(Exception ex) => ex switch
    {
        DbUpdateConcurrencyException => true,
        DbUpdateException { InnerException: PostgresException pg } => pg.SqlState is PostgresErrorCodes.UniqueViolation
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        _ => false,
    };

    /// <summary>A unique key broken by the write itself (SQLite's writers are serialized, so running it again cannot help).</summary>
    public static bool IsUniqueViolation(Exception ex) =>
        ex is DbUpdateException { InnerException: SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 } }
            or DbUpdateException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } };

    /// <summary>
    /// The database could not be had in time: SQLite's write lock held elsewhere; PostgreSQL unreachable, shutting down or
    /// restarting (a connection refused or cut, the server's shutdown and "starting up" codes, no connection slot left).
    /// </summary>
    public static bool IsUnavailable(Exception ex) => ex switch
    {
        RefusedException { Kind: RefusalKind.Unavailable } => true, // already known to be (a connection that broke mid-write)
        SqliteException { SqliteErrorCode: 5 or 6 } => true, // SQLITE_BUSY, SQLITE_LOCKED
        PostgresException pg => IsPostgresUnavailable(pg.SqlState),
        NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException or IOException or EndOfStreamException } => true,
        { InnerException: { } inner } => IsUnavailable(inner),
        _ => false,
    };

    /// <summary>PostgreSQL's own codes for "not now": a connection error (08…), shutting down (57P01–57P03), too many connections.</summary>
    private static bool IsPostgresUnavailable(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections;

    public static RefusedException Unavailable(Exception ex) => new(RefusalKind.Unavailable,
        "The database is busy or unreachable (another process holds it, or it is restarting); the request was not applied. Send it again in a few seconds.", ex);

    /// <summary>Random, growing pauses, so two writers that collided do not collide again in step.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Random.Shared.Next(1, 4 << Math.Min(attempt, 6)));

    public static string Describe(Exception ex) => ex switch
    {
        DbUpdateConcurrencyException c => string.Join(", ", c.Entries.Select(e => $"{Target(e.Metadata.ClrType)} {e.Property("Id").CurrentValue}")),
        DbUpdateException { InnerException: { } inner } => inner.Message,
        _ => ex.Message,
    };

    /// <summary>The 409 for a write that lost its race <paramref name="attempts"/> times: which record changed, and which of its fields.</summary>
    public static async Task<RefusedException> RefusalAsync(Exception ex, int attempts, CancellationToken cancellationToken)
    {
        if (ex is not DbUpdateConcurrencyException conflict)
        {
            return new RefusedException(RefusalKind.Conflict,
                $"Another request changed the same data at the same time ({attempts} tries: {Describe(ex)}); nothing was applied. Reload and try again.", ex);
        }

        var changes = new List<string>();
        foreach (var entry in conflict.Entries)
        {
            var stored = await entry.GetDatabaseValuesAsync(cancellationToken);
            var what = $"{Target(entry.Metadata.ClrType)} {entry.Property("Id").CurrentValue}";
            if (stored is null)
            {
                changes.Add($"{what} was deleted");
                continue;
            }

            var fields = entry.Properties
                .Where(p => p.Metadata.Name != OpsDbContext.VersionColumn && !p.Metadata.GetValueComparer().Equals(stored[p.Metadata], p.OriginalValue))
                .Select(p => WireFormat.SnakeCase(p.Metadata.Name))
                .ToList();
            changes.Add(fields.Count == 0 ? $"{what} was changed" : $"{what} was changed ({string.Join(", ", fields)})");
        }

        return new RefusedException(RefusalKind.Conflict,
            $"{string.Join("; ", changes)} by another request while this one ran ({attempts} tries); nothing was applied. Reload and try again.", ex);
    }

    private static string Target(Type type) => type == typeof(WorkItem) ? "task" : type.Name.ToLowerInvariant();
}

/// <summary>Provider-specific steps a unit of work may take.</summary>
public static class UnitOfWorkSteps
{
    /// <summary>A transaction-scoped advisory key that assignment passes of every node take, so they run one after another.</summary>
    private const long AssignmentLock = 0x4F7053_41737367; // "OpsAssg"

    /// <summary>
    /// Makes assignment passes take turns: on PostgreSQL a transaction-scoped advisory lock held until commit (other writers
    /// are not held up, and a pass holds no row when it asks, so it cannot deadlock); on SQLite every write transaction
    /// already has the database to itself.
    /// </summary>
    public static async Task SerializeAssignmentAsync(this OpsDbContext db, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AssignmentLock})", cancellationToken);
        }
    }
}
