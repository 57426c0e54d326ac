using Hangfire;
using OpsConsole.Data;

namespace OpsConsole.Integrations.GitHub;

/// <summary>
/// Delivers the GitHub outbox: every GitHub:DeliveryIntervalSeconds as a safety net, and right after a change is written.
/// Waits its turn while the database is unavailable (<see cref="DatabaseGate"/>): rows are marked delivered in the database,
/// and a creation whose answer could not be recorded is looked up by its marker before it is sent again.
/// </summary>
[AutomaticRetry(Attempts = 0)]
public sealed class GitHubOutboxJob(GitHubOutbox outbox, IIssueDeliveryTrigger trigger, DatabaseGate gate)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        (trigger as HangfireIssueDeliveryTrigger)?.Started();
        await gate.RunAsync("GitHub delivery", async ct =>
        {
            var pass = await outbox.DeliverAsync(ct);
            if (pass.NextDueAt is { } next)
            {
                trigger.At(next);
            }
        }, cancellationToken);
    }
}

/// <summary>
/// Enqueues a delivery pass after a commit that wrote outbox rows; a burst of commits asks only once. A pass due later (a
/// pause, another node's lease) waits on a timer of this node and is then enqueued like any other: it needs no Hangfire
/// scheduler, whose lock a killed node may still hold.
/// </summary>
public sealed class HangfireIssueDeliveryTrigger : IIssueDeliveryTrigger, IDisposable
{
    /// <summary>How long an enqueued pass that has not started yet stands for later requests (it may run on another node).</summary>
    private static readonly TimeSpan Coalesce = TimeSpan.FromSeconds(2);

    private readonly IBackgroundJobClient jobs;
    private readonly TimeProvider time;
    private readonly ILogger<HangfireIssueDeliveryTrigger> logger;
    private readonly ITimer timer;
    private readonly Lock gate = new();
    private long queuedAt;
    private DateTime? dueAt;

    public HangfireIssueDeliveryTrigger(IBackgroundJobClient jobs, TimeProvider time, ILogger<HangfireIssueDeliveryTrigger> logger)
    {
        this.jobs = jobs;
        this.time = time;
        this.logger = logger;
        timer = time.CreateTimer(_ => Due(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Soon()
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref queuedAt);
        if (last != 0 && time.GetElapsedTime(last, now) < Coalesce || Interlocked.CompareExchange(ref queuedAt, now, last) != last)
        {
            return;
        }

        try
        {
            jobs.Enqueue<GitHubOutboxJob>(j => j.RunAsync(CancellationToken.None));
        }
        catch (Exception ex)
        {
            Interlocked.Exchange(ref queuedAt, 0);
            // The recurring delivery still runs; this is only the fast path.
            GitHubLog.DeliveryNotQueued(logger, ex);
        }
    }

    public void At(DateTime utc)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (dueAt is { } due && due <= utc && due > now)
            {
                return;
            }

            dueAt = utc;
            var delay = utc - now;
            timer.Change((delay < TimeSpan.Zero ? TimeSpan.Zero : delay) + TimeSpan.FromMilliseconds(200), Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => timer.Dispose();

    internal void Started() => Interlocked.Exchange(ref queuedAt, 0);

    private void Due()
    {
        lock (gate)
        {
            dueAt = null;
        }

        Interlocked.Exchange(ref queuedAt, 0);
        Soon();
    }
}
