namespace OpsConsole.Integrations.GitHub;

/// <summary>
/// What the process knows about GitHub right now: the quota GitHub last reported, whether delivery is paused and why,
/// the last error, and the writes of the last hour (our own throttle under GitHub's secondary limits). One per process.
/// </summary>
public sealed class GitHubStatus(TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly Queue<WriteSlot> writes = new();
    private int consecutiveFailures;
    private int consecutiveSecondaryLimits;

    public int? RateRemaining { get; private set; }
    public int? RateLimit { get; private set; }
    public DateTime? RateReset { get; private set; }
    public DateTime? PausedUntil { get; private set; }
    public string? PauseReason { get; private set; }
    public string? LastError { get; private set; }
    public DateTime? LastErrorAt { get; private set; }
    public DateTime? LastDeliveryAt { get; private set; }
    public long Delivered { get; private set; }
    public long RateLimitHits { get; private set; }

    private DateTime Now => time.GetUtcNow().UtcDateTime;

    public bool IsPaused(out DateTime until)
    {
        lock (gate)
        {
            until = PausedUntil ?? default;
            return PausedUntil is { } p && p > Now;
        }
    }

    /// <summary>
    /// Takes one write from the throttle, or says when the next one is allowed. GitHub counts a write when the request
    /// reaches it, some time after it was taken here: the write counts from when it was taken until it is answered
    /// (<see cref="WriteSlot.Dispose"/>), and from its answer on, which is never earlier than GitHub saw it. So no minute at
    /// GitHub's end holds more than the budget, however long the requests take.
    /// </summary>
    public bool TryTakeWrite(int perMinute, int perHour, out DateTime retryAt, out WriteSlot slot)
    {
        lock (gate)
        {
            var now = Now;
            while (writes.Count > 0 && writes.Peek().At <= now.AddHours(-1))
            {
                writes.Dequeue();
            }

            var lastMinute = writes.Select(w => w.At).Where(at => at > now.AddMinutes(-1)).Order().ToList();
            if (lastMinute.Count >= perMinute)
            {
                retryAt = lastMinute[lastMinute.Count - perMinute].AddMinutes(1);
                slot = WriteSlot.None;
                return false;
            }

            if (writes.Count >= perHour)
            {
                retryAt = writes.Select(w => w.At).Order().ElementAt(writes.Count - perHour).AddHours(1);
                slot = WriteSlot.None;
                return false;
            }

            slot = new WriteSlot(this, now);
            writes.Enqueue(slot);
            retryAt = now;
            return true;
        }
    }

    public int WritesInLastMinute()
    {
        lock (gate)
        {
            var since = Now.AddMinutes(-1);
            return writes.Count(w => w.At > since);
        }
    }

    public void Quota(int remaining, int limit, DateTime reset)
    {
        lock (gate)
        {
            (RateRemaining, RateLimit, RateReset) = (remaining, limit, reset);
        }
    }

    public void Succeeded(int delivered)
    {
        lock (gate)
        {
            consecutiveFailures = 0;
            if (delivered > 0)
            {
                consecutiveSecondaryLimits = 0;
                Delivered += delivered;
                LastDeliveryAt = Now;
            }

            if (PausedUntil is { } p && p <= Now)
            {
                (PausedUntil, PauseReason) = (null, null);
            }
        }
    }

    /// <summary>Records a failure and pauses all delivery; returns when delivery may try again.</summary>
    public DateTime Failed(IssueTrackerException ex)
    {
        lock (gate)
        {
            var now = Now;
            var until = ex.Failure switch
            {
                TrackerFailure.Throttled => ex.RetryAt ?? now.AddMinutes(1),
                TrackerFailure.RateLimited => RateLimitedUntil(ex, now),
                TrackerFailure.Misconfigured => now + Backoff(++consecutiveFailures, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30)),
                _ => now + Backoff(++consecutiveFailures, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(10)),
            };
            if (ex.Failure != TrackerFailure.Throttled)
            {
                (LastError, LastErrorAt) = (ex.Message, now);
            }

            (PausedUntil, PauseReason) = (until, ex.Message);
            return until;
        }
    }

    /// <summary>A person asked to retry now: the pause and the backoff are forgotten (GitHub's own rate-limit reset is kept).</summary>
    public void Resume()
    {
        lock (gate)
        {
            consecutiveFailures = 0;
            (PausedUntil, PauseReason) = (null, null);
        }
    }

    private DateTime RateLimitedUntil(IssueTrackerException ex, DateTime now)
    {
        RateLimitHits++;
        if (ex.RetryAt is { } told)
        {
            return told; // GitHub said how long (Retry-After, or the quota's reset): wait exactly that
        }

        // A secondary limit no header measures: at least a minute, then twice as long each time it is hit again without a delivery in between.
        return now + Backoff(++consecutiveSecondaryLimits, TimeSpan.FromMinutes(1), TimeSpan.FromHours(1));
    }

    private static TimeSpan Backoff(int attempt, TimeSpan first, TimeSpan max) =>
        TimeSpan.FromTicks(Math.Min(max.Ticks, first.Ticks * (1L << Math.Min(attempt - 1, 20))));

    /// <summary>One write taken from the throttle; disposing it when the request is answered moves its time to the answer.</summary>
    public sealed class WriteSlot : IDisposable
    {
        public static readonly WriteSlot None = new(null, default);

        private readonly GitHubStatus? owner;

        internal WriteSlot(GitHubStatus? owner, DateTime at) => (this.owner, At) = (owner, at);

        /// <summary>When the write counts from: taken, then answered.</summary>
        public DateTime At { get; private set; }

        public void Dispose()
        {
            if (owner is null)
            {
                return;
            }

            lock (owner.gate)
            {
                At = owner.Now > At ? owner.Now : At;
            }
        }
    }
}
