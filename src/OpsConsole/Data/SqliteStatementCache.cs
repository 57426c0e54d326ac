using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpsConsole.Data;

/// <summary>
/// Keeps SQLite statements prepared between uses of a connection. Microsoft.Data.Sqlite compiles a command's SQL again for
/// every new command (dotnet/efcore#14044), and EF makes a new command for every query and save: parsing and planning the
/// same few dozen statements was a large part of each write's and each read's time. The writer and
/// <see cref="SqliteReadConnections"/> attach their open connections (<see cref="Attach"/>); a command EF initialises on
/// one is swapped for the prepared command of the same text, which takes the new command's parameters and transaction.
/// Connections nobody attached are left alone.
/// </summary>
public sealed class SqliteStatementCache : DbCommandInterceptor
{
    /// <summary>Distinct statements kept per connection; past it the cache starts again (save batches vary in shape).</summary>
    public const int Capacity = 256;

    private readonly ConditionalWeakTable<SqliteConnection, Dictionary<string, PreparedCommand>> connections = [];
    private readonly ConditionalWeakTable<SqliteConnection, SqliteConnection> failed = [];

    /// <summary>Keeps the statements of <paramref name="connection"/> prepared from now on (until it closes).</summary>
    public void Attach(SqliteConnection connection) => connections.AddOrUpdate(connection, new(StringComparer.Ordinal));

    /// <summary>How many statements are kept prepared for <paramref name="connection"/> (for tests and diagnostics).</summary>
    public int Count(SqliteConnection connection) =>
        connections.TryGetValue(connection, out var commands) ? commands.Values.Count(c => !c.Closed) : 0;

    /// <summary>The statements kept prepared for <paramref name="connection"/> (for tests and diagnostics).</summary>
    public IReadOnlyList<string> Statements(SqliteConnection connection) =>
        connections.TryGetValue(connection, out var commands) ? [.. commands.Where(c => !c.Value.Closed).Select(c => c.Key)] : [];

    public override DbCommand CommandInitialized(CommandEndEventData eventData, DbCommand result) => Prepared(result);

    /// <summary>
    /// The prepared command of <paramref name="result"/>'s text on its connection, holding <paramref name="result"/>'s
    /// parameters and transaction (<paramref name="result"/> itself when its connection is not attached, or the prepared one
    /// is in use); for commands EF makes and for the rows <see cref="RowInserter"/> appends.
    /// </summary>
    public DbCommand Prepared(DbCommand result)
    {
        if (result is not SqliteCommand { Connection: { } connection } fresh || !connections.TryGetValue(connection, out var commands))
        {
            return result;
        }

        var prepared = Kept(commands, fresh.CommandText, connection);
        if (prepared.InUse)
        {
            return result; // the same statement open twice at once (a nested reader): the second runs unprepared
        }

        prepared.TakeOver(fresh);
        return prepared;
    }

    /// <summary>
    /// The prepared command of <paramref name="sql"/> on <paramref name="connection"/> in <paramref name="transaction"/>, with
    /// the parameters <paramref name="parameters"/> made the first time and kept from then on (the caller sets every value
    /// before each run: a row's insert or update, <see cref="OpsDbContext.PreparedCommand"/>); null when the connection's
    /// statements are not kept or that one is in use.
    /// </summary>
    internal DbCommand? Rent(SqliteConnection connection, string sql, DbTransaction transaction, int? timeout, Func<DbCommand, DbParameter[]> parameters)
    {
        if (!connections.TryGetValue(connection, out var commands) || Kept(commands, sql, connection) is not { InUse: false } prepared)
        {
            return null;
        }

        prepared.Reuse((SqliteTransaction)transaction, timeout, parameters);
        return prepared;
    }

    private static PreparedCommand Kept(Dictionary<string, PreparedCommand> commands, string sql, SqliteConnection connection)
    {
        if (commands.TryGetValue(sql, out var prepared) && !prepared.Closed)
        {
            return prepared;
        }

        if (commands.Count >= Capacity)
        {
            foreach (var idle in commands.Values.Where(c => !c.InUse))
            {
                idle.Close();
            }

            commands.Clear();
        }

        prepared = new PreparedCommand(sql, connection);
        commands[sql] = prepared;
        return prepared;
    }

    /// <summary>True once a statement failed on <paramref name="connection"/>: a lent connection is then closed, not lent again.</summary>
    public bool HasFailed(SqliteConnection connection) => failed.TryGetValue(connection, out _);

    public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Failed(command);

    public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Failed(command);
        return Task.CompletedTask;
    }

    /// <summary>A statement of <paramref name="command"/> failed: it is not used again as it stands (also for commands run past EF).</summary>
    internal void Failed(DbCommand command)
    {
        (command as PreparedCommand)?.Fail();
        if (command.Connection is SqliteConnection connection)
        {
            failed.AddOrUpdate(connection, connection);
        }
    }

    /// <summary>A command kept prepared: EF's disposal after each use hands it back instead of finalising its statements.</summary>
    private sealed class PreparedCommand(string text, SqliteConnection connection) : SqliteCommand(text, connection)
    {
        public bool InUse { get; private set; }

        public bool Closed { get; private set; }

        /// <summary>True while its parameters are the ones <see cref="Reuse"/> made, kept between uses (EF brings its own each time).</summary>
        private bool keepsParameters;

        public void TakeOver(SqliteCommand fresh)
        {
            Transaction = fresh.Transaction;
            CommandTimeout = fresh.CommandTimeout;
            Parameters.Clear();
            var values = fresh.Parameters.Cast<SqliteParameter>().ToArray();
            fresh.Parameters.Clear();
            Parameters.AddRange(values);
            fresh.Dispose();
            keepsParameters = false;
            InUse = true;
        }

        public void Reuse(SqliteTransaction transaction, int? timeout, Func<DbCommand, DbParameter[]> parameters)
        {
            Transaction = transaction;
            if (timeout is { } seconds)
            {
                CommandTimeout = seconds;
            }

            if (!keepsParameters)
            {
                Parameters.Clear();
                Parameters.AddRange(parameters(this));
                keepsParameters = true;
            }

            InUse = true;
        }

        /// <summary>Its statement failed (a constraint, a busy database): it is finalised rather than used again as it stands.</summary>
        public void Fail() => InUse = false;

        public void Close() => Dispose();

        protected override void Dispose(bool disposing)
        {
            if (disposing && InUse && DataReader is null)
            {
                // EF is done with it (it closed its reader and cleared the parameters): kept for the next use of the same SQL.
                // A reader still open means the connection is closing under it: that finalises it like any command.
                InUse = false;
                Transaction = null;
                if (keepsParameters)
                {
                    foreach (SqliteParameter parameter in Parameters)
                    {
                        parameter.Value = null; // the next use sets every one; no row's value stays held here meanwhile
                    }
                }
                else
                {
                    Parameters.Clear();
                }

                return;
            }

            // Closed for good: the connection closes (it disposes its commands), or the cache starts again.
            Closed = true;
            base.Dispose(disposing);
        }
    }
}
