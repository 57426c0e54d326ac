using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Data;

/// <summary>
/// Whether writes reach the database now, as the last write and the readiness probe found it, and since when they have
/// not: what <c>/readyz</c> answers ("database: busy for 12 s") while another process holds SQLite's write lock or
/// PostgreSQL is restarting.
/// </summary>
public sealed class DatabaseAvailability(TimeProvider time)
{
    private readonly Lock gate = new();
    private DateTime? unavailableSince;
    private string reason = "";
    private long reachedCount;

    /// <summary>Writes stopped or started reaching the database (the console's banner redraws).</summary>
    public event Action? Changed;

    /// <summary>When writes stopped reaching the database, and why; null while they do.</summary>
    public (DateTime Since, string Reason)? Outage
    {
        get
        {
            lock (gate)
            {
                return unavailableSince is { } since ? (since, reason) : null;
            }
        }
    }

    /// <summary>
    /// Taken when an attempt begins; a failure reported with it (<see cref="Failed(string, long)"/>) starts no outage when the
    /// database was reached since (a write that waited out the busy timeout while the lock was given back in its last moments).
    /// </summary>
    public long Stamp => Interlocked.Read(ref reachedCount);

    /// <summary>A write committed: the database is there.</summary>
    public void Reached()
    {
        Interlocked.Increment(ref reachedCount);
        lock (gate)
        {
            if (unavailableSince is null)
            {
                return;
            }

            unavailableSince = null;
        }

        Changed?.Invoke();
    }

    /// <summary>The same, for an attempt that began at <paramref name="stamp"/>: ignored when the database was reached since.</summary>
    public void Failed(string why, long stamp)
    {
        if (Stamp == stamp)
        {
            Failed(why);
        }
    }

    /// <summary>A write could not have the database in time (busy elsewhere, unreachable); the first one dates the outage.</summary>
    public void Failed(string why)
    {
        bool began;
        lock (gate)
        {
            began = unavailableSince is null;
            unavailableSince ??= time.GetUtcNow().UtcDateTime;
            reason = why;
        }

        if (began)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>
    /// Tries what a write needs, within <paramref name="budget"/>: on SQLite the write lock (<c>BEGIN IMMEDIATE</c>, rolled
    /// back at once), on PostgreSQL a connection. Records the answer and returns whether writes can succeed now.
    /// </summary>
    public async Task<bool> ProbeAsync(OpsDbContext db, TimeSpan budget, CancellationToken cancellationToken)
    {
        try
        {
            if (db.Database.IsSqlite())
            {
                var builder = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()) { Pooling = false, DefaultTimeout = Math.Max(1, (int)budget.TotalSeconds) };
                await using var connection = new SqliteConnection(builder.ToString());
                await connection.OpenAsync(cancellationToken);
                foreach (var statement in new[] { $"PRAGMA busy_timeout = {(int)budget.TotalMilliseconds}", "BEGIN IMMEDIATE", "ROLLBACK" })
                {
                    await using var command = connection.CreateCommand();
                    command.CommandText = statement;
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
            }
            else if (!await db.Database.CanConnectAsync(cancellationToken))
            {
                Failed("unreachable");
                return false;
            }

            Reached();
            return true;
        }
        catch (Exception ex) when (WriteConflicts.IsUnavailable(ex) || ex is SqliteException or Npgsql.NpgsqlException)
        {
            Failed(Reason(ex));
            return false;
        }
    }

    /// <summary>What a failure to have the database says about it: SQLite's lock held elsewhere ("busy"), or no answer.</summary>
    public static string Reason(Exception ex) =>
        WriteConflicts.IsUnavailable(ex) && ex is SqliteException or DbUpdateException { InnerException: SqliteException } ? "busy" : "unreachable";
}
