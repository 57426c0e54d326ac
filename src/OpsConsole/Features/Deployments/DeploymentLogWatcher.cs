using System.Threading.Channels;
using OpsConsole.Data;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// Reads the deployment log the moment it changes (a file watcher on its folder), and once at start for whatever was
/// written while the console was down. Changes that arrive during a read are coalesced into one more read. The recurring
/// deployment-check job is the safety net for missed events and re-creates the watcher when the folder appears later.
/// While the database is unavailable a read waits its turn (<see cref="DatabaseGate"/>) and the lines stay where the cursor
/// left them; the first read after the database is back (signalled here, or by the job) turns them into tasks.
/// </summary>
public sealed class DeploymentLogWatcher(
    DeploymentLogTailer tailer, DatabaseGate gate, DatabaseAvailability availability, DeploymentSettings settings, TimeProvider time, ILogger<DeploymentLogWatcher> logger)
    : BackgroundService
{
    private readonly Channel<string> signals = Channel.CreateBounded<string>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly Lock sync = new();
    private FileSystemWatcher? watcher;
    private bool warnedMissingFolder;

    public bool IsWatching
    {
        get
        {
            lock (sync)
            {
                return watcher is not null;
            }
        }
    }

    /// <summary>Asks for a read soon; several requests while one read runs become one more read.</summary>
    public void Signal(string why) => signals.Writer.TryWrite(why);

    /// <summary>Starts watching when the log's folder exists and nothing watches it yet.</summary>
    public void EnsureWatching()
    {
        if (!settings.Watch)
        {
            return;
        }

        lock (sync)
        {
            if (watcher is not null)
            {
                return;
            }

            var folder = Path.GetDirectoryName(settings.LogPath);
            if (folder is null || !Directory.Exists(folder))
            {
                if (!warnedMissingFolder)
                {
                    warnedMissingFolder = true;
                    DeploymentsLog.FolderMissing(logger, settings.LogPath);
                }

                return;
            }

            try
            {
                var created = new FileSystemWatcher(folder, Path.GetFileName(settings.LogPath))
                {
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
                    InternalBufferSize = 64 * 1024,
                    IncludeSubdirectories = false,
                };
                created.Changed += (_, _) => Signal("changed");
                created.Created += (_, _) => Signal("created");
                created.Renamed += (_, _) => Signal("renamed");
                created.Deleted += (_, _) => Signal("deleted");
                created.Error += (_, e) => Lost(created, e.GetException());
                created.EnableRaisingEvents = true;
                watcher = created;
                DeploymentsLog.Watching(logger, settings.LogPath);
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
            {
                DeploymentsLog.CannotWatch(logger, ex, settings.LogPath);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        EnsureWatching();
        Signal("startup");
        availability.Changed += OnAvailabilityChanged;
        try
        {
            await foreach (var trigger in signals.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    LogCheckResult? result = null;
                    await gate.RunAsync(DeploymentLogTailer.Work, async ct => result = await tailer.CheckAsync(trigger, ct), stoppingToken);
                    if (result?.RetryAt is { } retryAt)
                    {
                        // Another node reads the log; should it go silent, its lease lapses then and this node takes over.
                        SignalAt(retryAt, stoppingToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    DeploymentsLog.ReadFailed(logger, ex, settings.LogPath);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            availability.Changed -= OnAvailabilityChanged;
        }
    }

    private void SignalAt(DateTime utc, CancellationToken stoppingToken)
    {
        var delay = utc - time.GetUtcNow().UtcDateTime + TimeSpan.FromMilliseconds(100);
        _ = Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, time, stoppingToken)
            .ContinueWith(_ => Signal("the other node's lease lapsed"), TaskContinuationOptions.OnlyOnRanToCompletion);
    }

    /// <summary>The database is back: read what was appended while it was not, without waiting for the next change or the job.</summary>
    private void OnAvailabilityChanged()
    {
        if (availability.Outage is null)
        {
            Signal("database available again");
        }
    }

    public override void Dispose()
    {
        lock (sync)
        {
            watcher?.Dispose();
            watcher = null;
        }

        base.Dispose();
    }

    private void Lost(FileSystemWatcher failed, Exception error)
    {
        DeploymentsLog.WatcherFailed(logger, error, settings.LogPath);
        lock (sync)
        {
            if (ReferenceEquals(watcher, failed))
            {
                watcher = null;
            }
        }

        failed.Dispose();
        Signal("watcher error");
    }
}
