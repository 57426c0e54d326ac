using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Options;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Components.Pages;

public sealed partial class TaskDetail
{
    private WorkItem? item;
    private List<Assignment> assignments = [];
    private List<Features.WorkItems.AttemptDto> attempts = [];
    private List<Features.WorkItems.TaskMessageDto> messages = [];
    private List<WorkItemLogEntry> log = [];
    private List<Agent> agents = [];
    private Guid? chosenAgent;
    private string? escalationReason;
    private int? linkNumber;
    private List<IssueOutboxEntry> issueChanges = [];
    private IssueDraftDto? draft;
    private string estimated = "";

    private List<BreadcrumbItem> crumbs = [new("Tasks", "tasks"), new("Task", null, disabled: true)];

    [Parameter] public Guid Id { get; set; }

    [Inject] private Features.WorkItems.TaskQueries Tasks { get; set; } = default!;
    [Inject] private OrchestrationEngine Engine { get; set; } = default!;
    [Inject] private Features.WorkItems.TaskMessages Messages { get; set; } = default!;
    [Inject] private IOptionsMonitor<OrchestrationOptions> Options { get; set; } = default!;
    [Inject] private IssueService Issues { get; set; } = default!;
    [Inject] private GitHubLinks GitHub { get; set; } = default!;

    private BackoffSettings Backoff => Options.CurrentValue.Backoff;

    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent switch
    {
        WorkItemChanged changed => changed.WorkItemId == Id,
        IssueLinked linked => linked.WorkItemId == Id,
        AgentChanged => true,
        _ => false,
    };

    protected override async Task LoadAsync()
    {
        var page = await Tasks.DetailPageAsync(Id, CancellationToken.None);
        item = page?.Item;
        estimated = page?.Estimated ?? "";
        (assignments, attempts, log, agents, issueChanges) = page is null ? ([], [], [], [], []) : (page.Assignments, page.Attempts, page.Log, page.Agents, page.IssueChanges);
        messages = await Messages.ListAsync(Id, CancellationToken.None);
        draft = item is null ? null : Issues.Draft(item);
        crumbs = [new("Tasks", "tasks"), new(item?.Title ?? "Task", null, disabled: true)];
    }

    private Task RequestIssueAsync() => IssueActAsync((actor, ct) => Issues.RequestAsync(Id, actor, ct));

    private Task LinkIssueAsync() => IssueActAsync((actor, ct) => Issues.LinkAsync(Id, linkNumber!.Value, actor, ct));

    private Task UnlinkIssueAsync() => IssueActAsync((actor, ct) => Issues.UnlinkAsync(Id, actor, ct));

    private Task RetryIssueAsync() => IssueActAsync((actor, ct) => Issues.RetryTaskAsync(Id, actor, ct));

    private Task IssueActAsync(Func<Actor, CancellationToken, Task<IssueStateDto>> action) => TaskActAsync(
        state =>
        {
            linkNumber = null;
            return state.Message;
        },
        action);

    private string IssueExplanation() => item!.GithubIssueState switch
    {
        GitHubIssueState.None => "No issue. Production failures, escalations, bug reports and critical work that failed for good get one automatically.",
        GitHubIssueState.Local => GitHub.Configured
            ? "Kept locally; it is created on GitHub at the next delivery."
            : "Kept locally: GitHub is not configured (GitHub:Token, GitHub:Repository). It is created once it is.",
        GitHubIssueState.Pending => "Waiting to be created on GitHub (see Integrations for the outbox).",
        GitHubIssueState.Synced => "Kept up to date: retries, escalations, reassignment and completion are posted as comments.",
        _ => "GitHub refused a change to this issue. Retry the delivery, or unlink the issue.",
    };

    private static string IssueStateLabel(GitHubIssueState state) => state switch
    {
        GitHubIssueState.None => "none",
        GitHubIssueState.Local => "local",
        GitHubIssueState.Pending => "pending",
        GitHubIssueState.Synced => "synced",
        _ => "failed",
    };

    private static Color IssueColor(GitHubIssueState state) => state switch
    {
        GitHubIssueState.Synced => Color.Success,
        GitHubIssueState.Failed => Color.Error,
        GitHubIssueState.Pending or GitHubIssueState.Local => Color.Info,
        _ => Color.Default,
    };

    private Task<bool> SendMessageAsync(string text) => TaskActAsync("Message sent", (actor, ct) => Messages.PostAsync(Id, text, actor, ct));

    private Task AssignAsync() => TaskActAsync("Assigned", (actor, ct) => Engine.AssignAsync(Id, chosenAgent, null, actor, ct));

    private Task RetryAsync() => TaskActAsync("Retried", (actor, ct) => Engine.RetryAsync(Id, actor, ct));

    private Task EscalateAsync() => TaskActAsync("Escalated", async (actor, ct) =>
    {
        var escalated = await Engine.EscalateAsync(Id, escalationReason, actor, ct);
        escalationReason = null;
        return escalated;
    });

    private Task BlockAsync() => TaskActAsync("Blocked", (actor, ct) => Engine.BlockAsync(Id, "Blocked from the console", actor, ct));

    private Task UnblockAsync() => TaskActAsync("Unblocked", (actor, ct) => Engine.UnblockAsync(Id, actor, ct));

    private async Task CompleteAsync()
    {
        if (await ConfirmAsync("Complete this task?", "It is marked done as it stands, without an agent's result; its agent is freed.", yes: "Complete task", cancel: "Keep as is"))
        {
            await TaskActAsync("Completed", (actor, ct) => Engine.CompleteAsync(Id, null, actor, ct));
        }
    }

    private async Task CancelAsync()
    {
        if (await ConfirmAsync("Cancel this task?", "It stops for good and cannot be retried; its agent is freed, and tasks waiting on it are flagged for people.", yes: "Cancel task", cancel: "Keep as is"))
        {
            await TaskActAsync("Cancelled", (actor, ct) => Engine.CancelAsync(Id, "Cancelled from the console", actor, ct));
        }
    }

    /// <summary>Enter in the reason field, or the Escalate button: the form's submit.</summary>
    private Task EscalateFromFormAsync() => item is not null && !item.Status.IsTerminal() && !Busy ? EscalateAsync() : Task.CompletedTask;

    /// <summary>Enter in the issue number field, or the Link button; nothing without a number.</summary>
    private Task LinkIssueFromFormAsync() => linkNumber is not null && !Busy ? LinkIssueAsync() : Task.CompletedTask;

    private Task<bool> TaskActAsync<T>(string done, Func<Actor, CancellationToken, Task<T>> action) => TaskActAsync(_ => $"{done}.", action);

    /// <summary>Acts on the task as the signed-in person and says how it went (<paramref name="done"/> words the success).</summary>
    private Task<bool> TaskActAsync<T>(Func<T, string> done, Func<Actor, CancellationToken, Task<T>> action) => ActAsync(async () =>
    {
        var result = await action(await ActorAsync(), CancellationToken.None);
        Snackbar.Add(done(result), Severity.Success);
    });

    private static Color LevelColor(LogSeverity level) => level switch
    {
        LogSeverity.Error or LogSeverity.Critical => Color.Error,
        LogSeverity.Warning => Color.Warning,
        LogSeverity.Debug => Color.Default,
        _ => Color.Info,
    };

    private static string Pretty(string json) => ReadableJson.Pretty(json);

    public sealed record CandidateRow(string Name, double Score, double Efficiency, double Capability, double PriorityBoost, double LoadPenalty, double Availability, string Note);

    private static List<CandidateRow> Candidates(Assignment a)
    {
        try
        {
            using var doc = JsonDocument.Parse(a.Candidates);
            return doc.RootElement.EnumerateArray().Select(c =>
            {
                var f = c.GetProperty("factors");
                return new CandidateRow(
                    c.GetProperty("agent_name").GetString() ?? "",
                    c.GetProperty("score").GetDouble(),
                    f.GetProperty("efficiency").GetDouble(),
                    f.GetProperty("capability").GetDouble(),
                    f.GetProperty("priority_boost").GetDouble(),
                    f.GetProperty("load_penalty").GetDouble(),
                    f.GetProperty("availability").GetDouble(),
                    c.TryGetProperty("note", out var note) ? note.GetString() ?? "" : "");
            }).ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }
}
