using MudBlazor;
using OpsConsole.Domain;

namespace OpsConsole.Components;

/// <summary>Pure formatting helpers shared by pages (tested without a renderer).</summary>
public static class Ui
{
    /// <summary>
    /// A MudBlazor icon (an <c>Icons.Material.*</c> string) as the &lt;svg&gt; MudIcon renders. Callers build it once and
    /// keep it: markup that is in every circuit (the layout) then holds one shared string instead of a component.
    /// </summary>
    public static Microsoft.AspNetCore.Components.MarkupString Icon(string svg, string classes = "") =>
        new($"<svg class=\"mud-icon-root mud-svg-icon mud-icon-size-medium {classes}\" focusable=\"false\" viewBox=\"0 0 24 24\" aria-hidden=\"true\">{svg}</svg>");

    public static Color PriorityColor(WorkItemPriority priority) => priority switch
    {
        WorkItemPriority.Emergency => Color.Secondary,
        WorkItemPriority.Critical => Color.Error,
        WorkItemPriority.High => Color.Warning,
        WorkItemPriority.Medium => Color.Info,
        _ => Color.Success,
    };

    public static Color StatusColor(WorkItemStatus status) => status switch
    {
        WorkItemStatus.Completed => Color.Success,
        WorkItemStatus.Failed or WorkItemStatus.Blocked => Color.Error,
        WorkItemStatus.Escalated => Color.Warning,
        WorkItemStatus.InProgress => Color.Primary,
        WorkItemStatus.Assigned => Color.Info,
        WorkItemStatus.Cancelled => Color.Dark,
        _ => Color.Default,
    };

    public static Color AgentColor(AgentStatus status) => status switch
    {
        AgentStatus.Available => Color.Success,
        AgentStatus.Busy => Color.Warning,
        AgentStatus.Maintenance => Color.Info,
        _ => Color.Error,
    };

    public static Color HealthColor(string status) => status switch
    {
        "healthy" => Color.Success,
        "warning" => Color.Warning,
        "critical" => Color.Error,
        _ => Color.Default,
    };

    /// <summary>The agent's success rate over its recent outcomes; a dash until it has finished a task.</summary>
    public static string SuccessRate(Agent agent) => agent.RecentOutcomes.Length == 0 ? "—" : agent.SuccessRate.ToString("P0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The agent's average time to complete a task; a dash until it has completed one (the hour before that is a starting value, not a measure).</summary>
    public static string AverageTime(Agent agent) => agent.TotalTasksCompleted == 0 ? "—" : Span(agent.AverageCompletionTime);

    /// <summary>
    /// A round spacing (1, 2 or 5 times a power of ten, at least 1) that puts about four ticks over <paramref name="span"/>;
    /// MudBlazor's default of 20 flattens small values onto the axis.
    /// </summary>
    public static int NiceStep(double span)
    {
        if (!(span > 0) || double.IsInfinity(span))
        {
            return 1;
        }

        var raw = span / 4;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var normalized = raw / magnitude;
        var step = (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
        return (int)Math.Clamp(Math.Ceiling(step), 1, int.MaxValue);
    }

    public static string Age(DateTime? at, DateTime now) => at is { } t ? $"{Span(now - t)} ago" : "never";

    public static string Until(DateTime at, DateTime now) => Span(at - now);

    public static string Span(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }

        return span.TotalSeconds < 60 ? $"{span.TotalSeconds:F0}s"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes}m {span.Seconds}s"
            : span.TotalHours < 24 ? $"{(int)span.TotalHours}h {span.Minutes}m"
            : $"{(int)span.TotalDays}d {span.Hours}h";
    }

    /// <summary>What the engine will do next with this task, and when, in words.</summary>
    public static string NextStep(WorkItem item, BackoffSettings backoff, DateTime now)
    {
        if (item.Status.IsTerminal())
        {
            return $"Nothing: the task is {item.Status.Wire()}.";
        }

        if (item.NeedsAttention)
        {
            return $"Waiting for a person: {item.AttentionReason}";
        }

        if (item.Status.IsWaiting())
        {
            return item.NextAttemptAt is { } next && next > now
                ? $"Retry {item.RetryCount} of {item.MaxRetries} goes to an agent in {Until(next, now)} ({next:HH:mm:ss} UTC), avoiding the agent that failed it."
                : item.AutoAssign ? "Goes to the best agent as soon as one with a matching capability has room." : "Waits for a person to assign it (auto-assign is off).";
        }

        if (item.Status == WorkItemStatus.Blocked)
        {
            return "Blocked: escalates if it stays blocked past the limit; unblock it to resume.";
        }

        if (item.Status == WorkItemStatus.Failed)
        {
            return "Failed: waits for a person to retry, escalate or cancel it.";
        }

        if (item.Status == WorkItemStatus.Review)
        {
            return "In review: completes when a person approves it, or goes back to work.";
        }

        var onFailure = item.AutoRetry && item.RetryCount < item.MaxRetries
            ? $"retry {item.RetryCount + 1} of {item.MaxRetries} after about {Span(FailurePolicy.Backoff(item.RetryCount + 1, backoff with { Jitter = 0 }, new Random(0)))} on another agent"
            : item.AutoEscalate && item.CanEscalate
                ? $"escalate to level {item.EscalationLevel + 1} ({item.Priority.StepUp().Wire()}) with a fresh retry budget"
                : "stay failed and wait for a person";
        var due = item.DueDate is { } d ? (d < now ? $" It is overdue by {Span(now - d)}." : $" Due in {Until(d, now)}.") : "";
        return $"In work. If it fails: {onFailure}.{due}";
    }

    /// <summary>
    /// An audit entry's before and after, field by field (union of both sides, in name order); values as compact JSON,
    /// null where that side has no such field. Text that is not a JSON object shows as one "value" row.
    /// </summary>
    public static IReadOnlyList<(string Field, string? Before, string? After)> AuditChanges(string? before, string? after)
    {
        var b = Fields(before);
        var a = Fields(after);
        return b.Keys.Union(a.Keys).Order(StringComparer.Ordinal)
            .Select(k => (k, b.GetValueOrDefault(k), a.GetValueOrDefault(k)))
            .ToList();

        static Dictionary<string, string?> Fields(string? json)
        {
            if (string.IsNullOrWhiteSpace(json))
            {
                return [];
            }

            try
            {
                if (System.Text.Json.Nodes.JsonNode.Parse(json) is System.Text.Json.Nodes.JsonObject obj)
                {
                    return obj.ToDictionary(p => p.Key, p => (string?)(p.Value is null ? "null" : p.Value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text) ? text : p.Value.ToJsonString()));
                }
            }
            catch (System.Text.Json.JsonException)
            {
            }

            return new Dictionary<string, string?> { ["value"] = json };
        }
    }
}
