using Microsoft.Data.Sqlite;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// Another process holding SQLite's write lock on the app's database (a backup, a <c>sqlite3</c> shell with an open
/// <c>BEGIN EXCLUSIVE</c>) until disposed: readers go on (WAL), every writer waits for it.
/// </summary>
public sealed class DatabaseLock : IAsyncDisposable
{
    private readonly SqliteConnection connection;

    private DatabaseLock(SqliteConnection connection) => this.connection = connection;

    public static async Task<DatabaseLock> TakeAsync(string dataDirectory)
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "opsconsole.db")};Pooling=False");
        await connection.OpenAsync();
        await RunAsync(connection, "BEGIN EXCLUSIVE");
        return new DatabaseLock(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync(connection, "ROLLBACK");
        await connection.DisposeAsync();
    }

    private static async Task RunAsync(SqliteConnection connection, string statement)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = statement;
        await command.ExecuteNonQueryAsync();
    }
}
