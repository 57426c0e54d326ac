using MudBlazor;
using OpsConsole.Domain;

namespace OpsConsole.Components;

/// <summary>Pure formatting helpers shared by pages (tested without a renderer).</summary>
public static class Ui
{
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
}
