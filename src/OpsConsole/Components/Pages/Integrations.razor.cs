using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Notifications;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Integrations.Notifications;

namespace OpsConsole.Components.Pages;

/// <summary>The GitHub integration: configured or not, paused or delivering, quota, outbox backlog, and a retry-now button.</summary>
public sealed partial class Integrations
{
    private GitHubStatusDto? status;
    private List<WaitingIssue> waiting = [];
    private bool busy;
    private NotificationStatusDto? notifications;

    [Inject] private GitHubStatusQuery Query { get; set; } = default!;
    [Inject] private NotificationQuery Notifications { get; set; } = default!;
    [Inject] private IssueService Issues { get; set; } = default!;
    [Inject] private GitHubOutbox Outbox { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;


    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is IssueLinked or HealthChanged;

    protected override async Task LoadAsync()
    {
        status = await Query.StatusAsync(CancellationToken.None);
        notifications = await Notifications.StatusAsync(20, CancellationToken.None);
        waiting = await Query.WaitingAsync(50, CancellationToken.None);
    }

    private async Task DeliverNowAsync()
    {
        busy = true;
        try
        {
            var retried = await Issues.RetryDeliveryAsync(null, await ActorAsync(), CancellationToken.None);
            var pass = await Outbox.DeliverAsync(CancellationToken.None);
            var message = pass.StoppedBecause is { } why
                ? $"Delivered {pass.Delivered}; {pass.Pending} still waiting: {why}"
                : $"Delivered {pass.Delivered} change(s){(retried > 0 ? $", retried {retried} failed issue(s)" : "")}; {pass.Pending} waiting.";
            Snackbar.Add(message, pass.StoppedBecause is null ? Severity.Success : Severity.Warning);
        }
        finally
        {
            busy = false;
        }

        await ReloadAsync();
    }

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
