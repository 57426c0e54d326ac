using Microsoft.Data.Sqlite;

namespace OpsConsole.Data;

/// <summary>
/// The savepoint around each write of a group (<see cref="SqliteWriteQueue"/>), as statements prepared once for the writer's
/// connection. <c>SqliteTransaction.Save</c> and <c>Release</c> make, compile and finalise a new command every time: two per
/// write, a few percent of the writer's time for the two shortest statements it runs.
/// </summary>
internal sealed class SqliteSavepoints(SqliteConnection connection) : IDisposable
{
    private readonly SqliteCommand save = Prepare(connection, "SAVEPOINT w");
    private readonly SqliteCommand release = Prepare(connection, "RELEASE w");
    private readonly SqliteCommand rollback = Prepare(connection, "ROLLBACK TO w");

    /// <summary>Opens the savepoint inside <paramref name="transaction"/>.</summary>
    public void Save(SqliteTransaction transaction) => Run(save, transaction);

    /// <summary>Keeps what was written since <see cref="Save"/> (it commits with the transaction).</summary>
    public void Release(SqliteTransaction transaction) => Run(release, transaction);

    /// <summary>Undoes what was written since <see cref="Save"/> and closes the savepoint; the transaction goes on.</summary>
    public void Undo(SqliteTransaction transaction)
    {
        Run(rollback, transaction);
        Run(release, transaction);
    }

    public void Dispose()
    {
        save.Dispose();
        release.Dispose();
        rollback.Dispose();
    }

    private static SqliteCommand Prepare(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void Run(SqliteCommand command, SqliteTransaction transaction)
    {
        command.Transaction = transaction; // the connection's transaction: a command on it must name it
        command.ExecuteNonQuery();
    }
}
