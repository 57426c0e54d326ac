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

/// <summary>Enqueues a delivery pass after a commit that wrote outbox rows; a burst of commits asks only once.</summary>
public sealed class HangfireIssueDeliveryTrigger(IBackgroundJobClient jobs, TimeProvider time, ILogger<HangfireIssueDeliveryTrigger> logger) : IIssueDeliveryTrigger
{
    private int queued;
    private DateTime? scheduledFor;

    public void Soon()
    {
        if (Interlocked.Exchange(ref queued, 1) == 1)
        {
            return;
        }

        Try(() => jobs.Enqueue<GitHubOutboxJob>(j => j.RunAsync(CancellationToken.None)));
    }

    public void At(DateTime utc)
    {
        lock (this)
        {
            if (scheduledFor is { } s && s <= utc && s > time.GetUtcNow().UtcDateTime)
            {
                return;
            }

            scheduledFor = utc;
        }

        var delay = utc - time.GetUtcNow().UtcDateTime;
        Try(() => jobs.Schedule<GitHubOutboxJob>(j => j.RunAsync(CancellationToken.None), delay < TimeSpan.Zero ? TimeSpan.Zero : delay + TimeSpan.FromMilliseconds(200)));
    }

    internal void Started() => Interlocked.Exchange(ref queued, 0);

    private void Try(Action schedule)
    {
        try
        {
            schedule();
        }
        catch (Exception ex)
        {
            Interlocked.Exchange(ref queued, 0);
            // The recurring delivery still runs; this is only the fast path.
            GitHubLog.DeliveryNotQueued(logger, ex);
        }
    }
}
