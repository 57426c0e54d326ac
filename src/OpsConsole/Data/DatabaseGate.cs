using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// Background work (the sweeps, the deployment-log reader, the GitHub outbox, health snapshots) waits its turn while the
/// database is unavailable. A run is skipped while <see cref="DatabaseAvailability"/> reports an outage that a short probe
/// confirms, and a run whose database work is refused as unavailable ends quietly: what such work writes (the log cursor,
/// the outbox rows) commits with the work itself, so the next run does exactly what this one could not. Each kind of work
/// says once that it paused and once that it resumed, not once a run, and resumes by itself.
/// </summary>
public sealed class DatabaseGate(
    DatabaseAvailability availability, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, ILogger<DatabaseGate> logger)
{
    /// <summary>How long a skipped run waits for the database before it gives up its turn (the readiness probe's budget).</summary>
    public static readonly TimeSpan ProbeBudget = TimeSpan.FromSeconds(1);

    /// <summary>The work that said it paused, and since when the database was unavailable then.</summary>
    private readonly ConcurrentDictionary<string, DateTime> paused = new();

    /// <summary>
    /// Runs <paramref name="work"/> unless the database is unavailable; false when it was skipped or refused for that reason.
    /// Any other failure is the caller's, as before.
    /// </summary>
    public async Task<bool> RunAsync(string what, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (availability.Outage is not null && !await ProbeAsync(cancellationToken))
        {
            Pause(what);
            return false;
        }

        var stamp = availability.Stamp;
        try
        {
            await work(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex, stamp))
        {
            Pause(what);
            return false;
        }

        if (paused.TryRemove(what, out var since))
        {
            DataLog.WorkResumed(logger, what, since);
        }

        return true;
    }

    private async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await availability.ProbeAsync(db, ProbeBudget, cancellationToken);
    }

    /// <summary>The unit of work's refusal (it already told <see cref="DatabaseAvailability"/>), or a direct read or save that met the same.</summary>
    private bool IsUnavailable(Exception ex, long stamp)
    {
        if (ex is RefusedException { Kind: RefusalKind.Unavailable })
        {
            return true;
        }

        if (!WriteConflicts.IsUnavailable(ex))
        {
            return false;
        }

        availability.Failed(DatabaseAvailability.Reason(ex), stamp);
        return true;
    }

    private void Pause(string what)
    {
        var (since, reason) = availability.Outage ?? (time.GetUtcNow().UtcDateTime, "unavailable");
        if (paused.TryAdd(what, since))
        {
            DataLog.WorkPaused(logger, what, since, reason);
        }
    }
}
