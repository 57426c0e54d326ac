using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Data;

/// <summary>A lease on a piece of work that must run on one node at a time: who holds it, and until when.</summary>
public sealed class WorkLease
{
    public string Name { get; init; } = "";
    public string Holder { get; set; } = "";
    public DateTime AcquiredAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

/// <summary>This process as a lease holder: its node name and a suffix of its own, so a restarted node is a new holder.</summary>
public sealed record LeaseHolder(string Id)
{
    public static LeaseHolder ForNode(string nodeName) => new($"{nodeName}#{Guid.NewGuid():N}"[..Math.Min(nodeName.Length + 9, 200)]);

    /// <summary>The node's name without this process's suffix, for people.</summary>
    public static string NodeOf(string holder) => holder.LastIndexOf('#') is var i and > 0 ? holder[..i] : holder;
}

/// <summary>What asking for a lease gave: held by this process, or held elsewhere until a moment.</summary>
public readonly record struct LeaseResult(bool Held, string? HeldBy, DateTime? HeldUntil)
{
    public static LeaseResult Mine { get; } = new(true, null, null);

    public string Describe() => Held ? "held here"
        : $"held by {LeaseHolder.NodeOf(HeldBy ?? "another node")}{(HeldUntil is { } until ? $" until {until:HH:mm:ss} UTC" : "")}";
}

/// <summary>The lease this process held was taken by another node meanwhile: the work's transaction must not commit.</summary>
public sealed class LeaseLostException(string name) : Exception($"The lease on '{name}' is held by another node now; this node's work was not committed")
{
    public string Name { get; } = name;
}

/// <summary>
/// Leases in the database for work that must run on one node at a time (the deployment-log reader, the GitHub outbox, the
/// sweeps). Taking one is a conditional write: it succeeds when nobody holds the lease, this process already does, or the
/// holder let it lapse (<see cref="Term"/> without renewing it: a node that died). Work that commits in steps calls
/// <see cref="FenceAsync"/> inside each step's transaction, so a node that lost its lease while it worked (paused, cut off)
/// commits nothing after another node took over. The nodes' clocks are compared, so they must be kept in step (NTP).
/// </summary>
public sealed class Leases(UnitOfWork unitOfWork, LeaseHolder holder, TimeProvider time, ILogger<Leases> logger)
{
    /// <summary>How long a lease lasts without renewal: a dead holder's work is taken over by another node after at most this.</summary>
    public static readonly TimeSpan Term = TimeSpan.FromSeconds(20);

    /// <summary>The holder of a lease given back: free for any node at once, whatever its clock says.</summary>
    public const string Free = "";

    private readonly ConcurrentDictionary<string, SemaphoreSlim> local = new();
    private readonly ConcurrentDictionary<string, DateTime> held = new();
    private volatile bool stopping;

    /// <summary>The leases this process holds now (taken or renewed within the term, not given back): for metrics.</summary>
    public IReadOnlyCollection<string> HeldHere
    {
        get
        {
            var now = time.GetUtcNow().UtcDateTime;
            return [.. held.Where(h => h.Value > now).Select(h => h.Key)];
        }
    }

    /// <summary>Takes or renews the lease <paramref name="name"/> for <see cref="Term"/>; refused while another live node holds it.</summary>
    public async Task<LeaseResult> TryHoldAsync(string name, CancellationToken cancellationToken)
    {
        if (stopping)
        {
            // The node is stopping and gave its leases back: work still finishing here must not take one again.
            return new LeaseResult(false, "(this node is stopping)", null);
        }

        var result = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var until = now + Term;
            var taken = await db.WorkLeases
                .Where(l => l.Name == name && (l.Holder == holder.Id || l.Holder == Free || l.ExpiresAt <= now))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(l => l.AcquiredAt, l => l.Holder == holder.Id ? l.AcquiredAt : now)
                    .SetProperty(l => l.Holder, holder.Id)
                    .SetProperty(l => l.ExpiresAt, until), cancellationToken);
            if (taken == 1)
            {
                return LeaseResult.Mine;
            }

            var current = await db.WorkLeases.AsNoTracking().FirstOrDefaultAsync(l => l.Name == name, cancellationToken);
            if (current is not null)
            {
                return new LeaseResult(false, current.Holder, current.ExpiresAt);
            }

            // Nobody ever held it: the first to insert it holds it (a second insert breaks the key and runs this again).
            db.WorkLeases.Add(new WorkLease { Name = name, Holder = holder.Id, AcquiredAt = now, ExpiresAt = until });
            await db.SaveChangesAsync(cancellationToken);
            return LeaseResult.Mine;
        }, cancellationToken);

        if (result.Held)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var newly = !held.TryGetValue(name, out var before) || before <= now;
            held[name] = now + Term;
            if (newly)
            {
                DataLog.LeaseTaken(logger, LeaseHolder.NodeOf(holder.Id), name);
            }
        }
        else
        {
            held.TryRemove(name, out _);
        }

        return result;
    }

    /// <summary>
    /// Inside a unit of work: renews the lease if this process still holds it, or throws <see cref="LeaseLostException"/> so
    /// the transaction (the work done under the lease) rolls back. On PostgreSQL the renewal locks the lease's row until the
    /// commit, so no other node can take the lease between this check and the commit.
    /// </summary>
    public async Task FenceAsync(OpsDbContext db, string name, DateTime now, CancellationToken cancellationToken)
    {
        var renewed = await db.WorkLeases
            .Where(l => l.Name == name && l.Holder == holder.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, now + Term), cancellationToken);
        if (renewed == 0)
        {
            held.TryRemove(name, out _);
            throw new LeaseLostException(name);
        }

        held[name] = now + Term;
    }

    /// <summary>
    /// Runs <paramref name="work"/> while holding the lease <paramref name="name"/>, then gives it back: for jobs that run on
    /// any node (the sweeps) and must not run on two at once. A run on another node is waited for, up to <see cref="Term"/>
    /// (a dead holder's lease lapses by then); false when it was still held, and this run was skipped.
    /// </summary>
    public async Task<bool> RunExclusiveAsync(string name, Func<CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var here = local.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await here.WaitAsync(cancellationToken);
        try
        {
            var deadline = time.GetUtcNow().UtcDateTime + Term;
            LeaseResult lease;
            while (!(lease = await TryHoldAsync(name, cancellationToken)).Held)
            {
                if (time.GetUtcNow().UtcDateTime >= deadline)
                {
                    DataLog.LeasedWorkSkipped(logger, name, lease.Describe());
                    return false;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }

            try
            {
                await work(cancellationToken);
            }
            finally
            {
                held.TryRemove(name, out _);
                await GiveBackAsync(name);
            }

            return true;
        }
        finally
        {
            here.Release();
        }
    }

    /// <summary>Gives back every lease this process holds (a graceful stop): the other nodes take over at once.</summary>
    public async Task ReleaseAllAsync()
    {
        stopping = true;
        held.Clear();
        await GiveBackAsync(name: null);
    }

    /// <summary>
    /// Frees the lease <paramref name="name"/> (or every lease, when null) this process holds, so another node need not wait it
    /// out; one that cannot be given back now lapses by itself after the term.
    /// </summary>
    private async Task GiveBackAsync(string? name)
    {
        try
        {
            await unitOfWork.WriteAsync(async (db, now) =>
                await db.WorkLeases.Where(l => l.Holder == holder.Id && (name == null || l.Name == name))
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, Free).SetProperty(l => l.ExpiresAt, now)), CancellationToken.None);
        }
        catch (Exception ex)
        {
            DataLog.LeaseNotReleased(logger, ex, name ?? "every lease of this node");
        }
    }
}

/// <summary>
/// Keeps this node's leases while it lives (renewed every quarter of the term, busy or idle, so work stays with one node
/// until it dies), and gives them back when it stops, so the other nodes do not wait for them to lapse.
/// </summary>
public sealed class LeaseKeeper(Leases leases, TimeProvider time, ILogger<LeaseKeeper> logger) : BackgroundService
{
    public static readonly TimeSpan Every = Leases.Term / 4;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var name in leases.HeldHere)
                {
                    try
                    {
                        await leases.TryHoldAsync(name, stoppingToken);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // The database is away: the lease lapses unless it is back in time, and the work moves then.
                        DataLog.LeaseNotRenewed(logger, ex, name);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await leases.ReleaseAllAsync();
    }
}
