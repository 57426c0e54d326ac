using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Notifications;

namespace OpsConsole.Components.Pages;

/// <summary>The GitHub integration: configured or not, paused or delivering, quota, outbox backlog, and a retry-now button.</summary>
public sealed partial class Integrations
{
    private GitHubStatusDto? status;
    private List<WaitingIssue> waiting = [];
    private NotificationStatusDto? notifications;

    [Inject] private GitHubStatusQuery Query { get; set; } = default!;
    [Inject] private NotificationQuery Notifications { get; set; } = default!;
    [Inject] private IssueService Issues { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is IssueLinked or HealthChanged;

    protected override async Task LoadAsync()
    {
        status = await Query.StatusAsync(CancellationToken.None);
        notifications = await Notifications.StatusAsync(20, CancellationToken.None);
        waiting = await Query.WaitingAsync(50, CancellationToken.None);
    }

    private Task DeliverNowAsync() => ActAsync(async () =>
    {
        var run = await Issues.DeliverNowAsync(await ActorAsync(), CancellationToken.None);
        var message = run.StoppedBecause is { } why
            ? $"Delivered {run.Delivered}; {run.Pending} still waiting: {why}"
            : $"Delivered {run.Delivered} change(s){(run.RetriedFailedTasks > 0 ? $", retried {run.RetriedFailedTasks} failed issue(s)" : "")}; {run.Pending} waiting.";
        Snackbar.Add(message, run.StoppedBecause is null ? Severity.Success : Severity.Warning);
    });

    private static string StateLabel(string state) => state switch
    {
        "not_configured" => "not configured",
        "dry_run" => "dry-run",
        "synced" => "in sync",
        var s => s,
    };

    private static Color StateColor(string state) => state switch
    {
        "synced" => Color.Success,
        "delivering" => Color.Info,
        "paused" => Color.Warning,
        "failing" => Color.Error,
        _ => Color.Default,
    };
}
