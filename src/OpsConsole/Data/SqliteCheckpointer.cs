using Microsoft.Data.Sqlite;

namespace OpsConsole.Data;

/// <summary>
/// Copies SQLite's write-ahead log back into the database file in the background, ten times a second. Left to SQLite, the
/// commit that fills the log to 1,000 pages does that copy itself (about every 60 creates, 10–20 ms on a large database),
/// and that request pays for it: the 99th percentile of <c>POST tasks/</c> was twice its 95th. A passive checkpoint never
/// waits for readers or the writer, so nothing in a request waits for this one. The writer's connection
/// (<see cref="SqliteWriteQueue"/>) keeps SQLite's own checkpoint at <see cref="SafetyNetPages"/> pages, in case this loop
/// falls behind.
/// <para>
/// Why so often: with <c>synchronous=NORMAL</c> a checkpoint is where SQLite flushes the log and the database to disk, and
/// the writer stalls while the disk takes what piled up since the last one. Under 180 tasks a second with agents
/// reporting, the log grows by tens of megabytes a second: a checkpoint a second stalled every write for 40–60 ms once a
/// second (the 99th percentile of <c>POST tasks/</c> was 44–59 ms); a tenth of the data each tenth of a second is a stall
/// too short to show (29–35 ms). Durability is the same: only when the data reaches the disk is spread out.
/// </para>
/// </summary>
public sealed class SqliteCheckpointer(string connectionString, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<SqliteCheckpointer> logger) : BackgroundService
{
    /// <summary>The app's database, opened without creating it: the migrations create it, in WAL mode, at start.</summary>
    private readonly string existing = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWrite }.ToString();

    /// <summary>The log size (pages of 4 KiB) at which a commit checkpoints by itself after all.</summary>
    public const int SafetyNetPages = 16_000;

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await WhenStartedAsync(stoppingToken);
        using var timer = new PeriodicTimer(Every, time);
        var warned = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var connection = new SqliteConnection(existing);
                await connection.OpenAsync(stoppingToken);
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                await command.ExecuteNonQueryAsync(stoppingToken);
                warned = false;
            }
            catch (SqliteException ex)
            {
                if (!warned)
                {
                    DataLog.CheckpointFailed(logger, ex, ex.Message);
                    warned = true;
                }
            }
        }
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        return started.Task;
    }
}
