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

    /// <summary>Retries are used up and a failure_handling rule says so: the task is cancelled.</summary>
    Cancel,
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

    public static FailureDecision Decide(WorkItem item, BackoffSettings settings, Random random) =>
        Decide(item, FailureRules.Defaults(settings), random);

    /// <summary>
    /// The decision under the failure_handling rules that match the task: their max_retries (else the task's), their backoff
    /// (else the settings'), and what happens once retries are used up (escalate by default, as without rules).
    /// </summary>
    public static FailureDecision Decide(WorkItem item, FailureRules rules, Random random)
    {
        var maxRetries = rules.MaxRetries ?? item.MaxRetries;
        if (item.AutoRetry && item.RetryCount < maxRetries)
        {
            var attempt = item.RetryCount + 1;
            var delay = Backoff(attempt, rules.Backoff, random);
            return new FailureDecision(FailureOutcome.Retry, delay, $"retry {attempt} of {maxRetries} in {Humanize(delay)}");
        }

        if (rules.OnExhausted == ExhaustedAction.Cancel)
        {
            return new FailureDecision(FailureOutcome.Cancel, TimeSpan.Zero, $"retries used up ({item.RetryCount}/{maxRetries}): cancelled by rule {RuleNames(rules)}");
        }

        if (rules.OnExhausted == ExhaustedAction.NeedsAttention)
        {
            return new FailureDecision(FailureOutcome.GiveUp, TimeSpan.Zero, $"retries used up ({item.RetryCount}/{maxRetries}) and rule {RuleNames(rules)} hands it to people: a person must decide");
        }

        if (item.AutoEscalate && item.CanEscalate)
        {
            return new FailureDecision(
                FailureOutcome.Escalate,
                TimeSpan.Zero,
                $"retries used up ({item.RetryCount}/{maxRetries}): escalating to level {item.EscalationLevel + 1}, priority {item.Priority.StepUp().Wire()}");
        }

        var retries = item.AutoRetry ? "retries are used up" : "automatic retry is off";
        var why = !item.AutoEscalate ? $"{retries} and automatic escalation is off" : $"{retries} at emergency priority";
        return new FailureDecision(FailureOutcome.GiveUp, TimeSpan.Zero, $"{why}: a person must decide");
    }

    private static string RuleNames(FailureRules rules) => string.Join(", ", rules.Rules.Select(r => $"'{r.Name}'"));

    public static string Humanize(TimeSpan span) => span.TotalSeconds < 90
        ? $"{span.TotalSeconds:F0}s"
        : span.TotalMinutes < 90 ? $"{span.TotalMinutes:F0}m" : $"{span.TotalHours:F1}h";
}

/// <summary>Time-based escalation: overdue tasks and tasks blocked for too long, once per period.</summary>
public static class EscalationPolicy
{
    public static readonly TimeSpan MinimumOverduePeriod = TimeSpan.FromHours(1);

    /// <summary>The reason to escalate this task now because of time, or null.</summary>
    public static string? TimeEscalationDue(WorkItem item, DateTime now, TimeSpan blockedLimit) =>
        TimeEscalationDue(item, now, EscalationRules.Defaults(blockedLimit));

    /// <summary>
    /// The reason to escalate now under the task_escalation rules that match: blocked and overdue work with the rules' periods,
    /// and work waiting (pending, or assigned but not started) longer than escalate_after_minutes, once per period.
    /// </summary>
    public static string? TimeEscalationDue(WorkItem item, DateTime now, EscalationRules rules)
    {
        if (!item.AutoEscalate || item.Status.IsTerminal() || item.Status == WorkItemStatus.Failed)
        {
            return null;
        }

        var blockedLimit = rules.BlockedLimit;
        if (item.Status == WorkItemStatus.Blocked && item.BlockedAt is { } blockedAt)
        {
            var since = item.TimeEscalatedAt ?? blockedAt;
            return now - since >= blockedLimit
                ? $"blocked for {FailurePolicy.Humanize(now - blockedAt)} (limit {FailurePolicy.Humanize(blockedLimit)})"
                : null;
        }

        if (item.DueDate is { } due && now > due)
        {
            var period = item.EstimatedDuration > rules.OverduePeriod ? item.EstimatedDuration : rules.OverduePeriod;
            if (item.TimeEscalatedAt is { } last && last >= due && now - last < period)
            {
                return null;
            }

            return $"overdue by {FailurePolicy.Humanize(now - due)} (due {due:u})";
        }

        if (rules.WaitingLimit is { } limit
            && item.Status is WorkItemStatus.Pending or WorkItemStatus.Escalated or WorkItemStatus.Assigned
            && (item.NextAttemptAt is null || item.NextAttemptAt <= now))
        {
            // An assigned task is one its agent has not started (starting makes it in_progress).
            var waitingSince = new[] { item.CreatedOn, item.NextAttemptAt ?? default, item.LastFailedAt ?? default }.Max();
            var since = item.TimeEscalatedAt is { } last && last > waitingSince ? last : waitingSince;
            return now - since >= limit
                ? $"waiting for {FailurePolicy.Humanize(now - waitingSince)} without being started (limit {FailurePolicy.Humanize(limit)})"
                : null;
        }

        return null;
    }
}
