using System.Collections.Concurrent;
using System.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using SQLitePCL;

namespace OpsConsole.Data;

/// <summary>
/// Open SQLite connections lent to the contexts that read, so their statements stay prepared between uses
/// (<see cref="SqliteStatementCache"/>): a context EF opens itself closes its connection after every query, and closing
/// finalises every statement it prepared. A connection comes back only when nothing is left running on it (no transaction,
/// no statement stepping: nothing of one use can reach the next) and when no statement failed on it (a connection an error
/// may have left broken is opened afresh); up to <see cref="Idle"/> wait, the others are closed.
/// </summary>
public sealed class SqliteReadConnections(SqlitePragmas pragmas, SqliteStatementCache statements, string connectionString) : IDisposable
{
    /// <summary>Open connections kept waiting for the next context; more are opened when more read at once.</summary>
    public const int Idle = 32;

    private readonly ConcurrentStack<SqliteConnection> idle = new(); // the latest back goes out first: its statements are the warmest
    private int idleCount;
    private volatile bool disposed;

    public SqliteConnection Rent()
    {
        while (idle.TryPop(out var waiting))
        {
            Interlocked.Decrement(ref idleCount);
            if (waiting.State == ConnectionState.Open)
            {
                return waiting;
            }

            waiting.Dispose();
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            connection.Handle!.enable_sqlite3_next_stmt(true); // what IsQuiet looks through
            pragmas.Apply(connection);
            statements.Attach(connection);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Return(SqliteConnection connection)
    {
        if (!disposed && !statements.HasFailed(connection) && IsQuiet(connection))
        {
            if (Interlocked.Increment(ref idleCount) <= Idle)
            {
                idle.Push(connection);
                return;
            }

            Interlocked.Decrement(ref idleCount);
        }

        connection.Dispose();
    }

    public void Dispose()
    {
        disposed = true;
        while (idle.TryPop(out var connection))
        {
            connection.Dispose();
        }
    }

    /// <summary>Open, outside any transaction, and with no statement part-way through (a reader left open).</summary>
    private static bool IsQuiet(SqliteConnection connection)
    {
        if (connection.State != ConnectionState.Open || connection.Handle is not { } handle || raw.sqlite3_get_autocommit(handle) == 0)
        {
            return false;
        }

        for (var statement = raw.sqlite3_next_stmt(handle, null); statement is not null && !statement.IsInvalid; statement = raw.sqlite3_next_stmt(handle, statement))
        {
            if (raw.sqlite3_stmt_busy(statement) != 0)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Contexts from the pool, each on a connection lent by <see cref="SqliteReadConnections"/> until it is disposed.</summary>
public sealed class SqliteContextFactory(PooledDbContextFactory<OpsDbContext> inner, SqliteReadConnections connections) : IDbContextFactory<OpsDbContext>
{
    public OpsDbContext CreateDbContext() => Lend(inner.CreateDbContext());

    public async Task<OpsDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
        Lend(await inner.CreateDbContextAsync(cancellationToken));

    private OpsDbContext Lend(OpsDbContext db)
    {
        try
        {
            db.Borrow(connections);
            return db;
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }
}
