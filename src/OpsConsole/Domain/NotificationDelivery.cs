namespace OpsConsole.Domain;

/// <summary>
/// One notification to one rule's webhook about one event of a task, written in the same transaction as the change that
/// raised it and delivered by the notification job (retries with backoff, survives restarts). The rule and the event key
/// are unique together: one event is never queued twice for a rule.
/// </summary>
public sealed class NotificationDelivery
{
    public const int MaxAttempts = 10;

    public long Id { get; set; }
    public Guid RuleId { get; set; }
    public string RuleName { get; set; } = "";
    public Guid? WorkItemId { get; set; }
    public string Event { get; set; } = "";

    /// <summary>What makes the event itself unique (task, event, escalation level or time): the same event raised twice is one row.</summary>
    public string EventKey { get; set; } = "";
    public string Url { get; set; } = "";

    /// <summary>The JSON posted (task summary and <c>text</c>), already redacted.</summary>
    public string Payload { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }

    /// <summary>A node sending this row holds it until then; another node skips it (no two deliveries at once).</summary>
    public DateTime? ClaimedUntil { get; set; }
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public DateTime? FailedAt { get; set; }

    /// <summary>Backoff after attempt <paramref name="attempt"/>: 30 s · 2^(attempt−1), at most an hour.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromSeconds(Math.Min(30 * Math.Pow(2, Math.Clamp(attempt - 1, 0, 20)), 3600));
}
