namespace OpsConsole.Domain;

public sealed record BackoffSettings(TimeSpan Base, TimeSpan Max, double Jitter = 0.2)
{
    public static BackoffSettings Default { get; } = new(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(3600));
}

public enum FailureOutcome
{
    /// <summary>Try again later, on another agent if one fits.</summary>
    Retry,

    /// <summary>Retries are used up: raise the level and the priority, then try again with a fresh budget.</summary>
    Escalate,

    /// <summary>Nothing automatic is left: the task stays failed and is flagged for people.</summary>
    GiveUp,
}

public sealed record FailureDecision(FailureOutcome Outcome, TimeSpan Delay, string Reason);

/// <summary>What happens after a task fails: retry with exponential backoff, escalate, or hand it to people.</summary>
public static class FailurePolicy
{
    /// <summary>base · 2^(attempt−1), ±jitter, capped at the maximum. <paramref name="attempt"/> counts from 1.</summary>
    public static TimeSpan Backoff(int attempt, BackoffSettings settings, Random random)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var nominal = Math.Min(settings.Base.TotalSeconds * Math.Pow(2, exponent), settings.Max.TotalSeconds);
        var factor = 1 + (settings.Jitter * ((random.NextDouble() * 2) - 1));
        return TimeSpan.FromSeconds(Math.Min(nominal * factor, settings.Max.TotalSeconds));
    }

    public static FailureDecision Decide(WorkItem item, BackoffSettings settings, Random random)
    {
        if (item.AutoRetry && item.RetryCount < item.MaxRetries)
        {
            var attempt = item.RetryCount + 1;
            var delay = Backoff(attempt, settings, random);
            return new FailureDecision(FailureOutcome.Retry, delay, $"retry {attempt} of {item.MaxRetries} in {Humanize(delay)}");
        }

        if (item.AutoEscalate && item.CanEscalate)
        {
            return new FailureDecision(
                FailureOutcome.Escalate,
                TimeSpan.Zero,
                $"retries used up ({item.RetryCount}/{item.MaxRetries}): escalating to level {item.EscalationLevel + 1}, priority {item.Priority.StepUp().Wire()}");
        }

        var retries = item.AutoRetry ? "retries are used up" : "automatic retry is off";
        var why = !item.AutoEscalate ? $"{retries} and automatic escalation is off" : $"{retries} at emergency priority";
        return new FailureDecision(FailureOutcome.GiveUp, TimeSpan.Zero, $"{why}: a person must decide");
    }

    public static string Humanize(TimeSpan span) => span.TotalSeconds < 90
        ? $"{span.TotalSeconds:F0}s"
        : span.TotalMinutes < 90 ? $"{span.TotalMinutes:F0}m" : $"{span.TotalHours:F1}h";
}

/// <summary>Time-based escalation: overdue tasks and tasks blocked for too long, once per period.</summary>
public static class EscalationPolicy
{
    public static readonly TimeSpan MinimumOverduePeriod = TimeSpan.FromHours(1);

    /// <summary>The reason to escalate this task now because of time, or null.</summary>
    public static string? TimeEscalationDue(WorkItem item, DateTime now, TimeSpan blockedLimit)
    {
        if (!item.AutoEscalate || item.Status.IsTerminal() || item.Status == WorkItemStatus.Failed)
        {
            return null;
        }

        if (item.Status == WorkItemStatus.Blocked && item.BlockedAt is { } blockedAt)
        {
            var since = item.TimeEscalatedAt ?? blockedAt;
            return now - since >= blockedLimit
                ? $"blocked for {FailurePolicy.Humanize(now - blockedAt)} (limit {FailurePolicy.Humanize(blockedLimit)})"
                : null;
        }

        if (item.DueDate is { } due && now > due)
        {
            var period = item.EstimatedDuration > MinimumOverduePeriod ? item.EstimatedDuration : MinimumOverduePeriod;
            if (item.TimeEscalatedAt is { } last && last >= due && now - last < period)
            {
                return null;
            }

            return $"overdue by {FailurePolicy.Humanize(now - due)} (due {due:u})";
        }

        return null;
    }
}
