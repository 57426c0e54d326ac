using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Security;

namespace OpsConsole.Features.GitHub;

public sealed record IssueChangeDto(long Id, string Kind, string Text, DateTime CreatedAt, int Attempts, DateTime? LastAttemptAt, string? LastError, DateTime? DeliveredAt, DateTime? FailedAt)
{
    public static IssueChangeDto From(IssueOutboxEntry r) =>
        new(r.Id, r.Kind.ToString().ToLowerInvariant(), r.Text, r.CreatedAt, r.Attempts, r.LastAttemptAt, r.LastError, r.DeliveredAt, r.FailedAt);
}

public sealed record IssueDraftDto(string Title, string Body, IReadOnlyList<string> Labels, string? Assignee);

public sealed record TaskIssueDto(
    Guid TaskId, string GithubIssueState, int? GithubIssueNumber, string? GithubIssueUrl, bool Configured, bool DryRun,
    IReadOnlyList<IssueChangeDto> Changes, IssueDraftDto Preview);

public sealed record GitHubBacklogDto(int Pending, int Failed, DateTime? OldestPendingAt, int LocalIssues);

public sealed record GitHubRateDto(int? Remaining, int? Limit, DateTime? Reset, int WritesLastMinute, int MaxWritesPerMinute, int MaxWritesPerHour, long RateLimitHits);

public sealed record GitHubStatusDto(
    bool Configured, string? Repository, string ApiUrl, string? Assignee, bool DryRun, string State, DateTime? PausedUntil, string? PauseReason,
    string? LastError, DateTime? LastErrorAt, DateTime? LastDeliveryAt, long Delivered, GitHubRateDto RateLimit, GitHubBacklogDto Backlog);

/// <summary>A task's GitHub issue (create, link, unlink, retry, preview) and the integration's status.</summary>
public static class GitHubEndpoints
{
    public static RouteGroupBuilder MapGitHubApi(this RouteGroupBuilder api)
    {
        var issue = api.MapGroup("/tasks/{id:guid}/github_issue").WithTags("GitHub").WithMetadata(IdKind.Task);
        issue.MapGet("/", IssueAsync).RequireAuthorization(OpsPolicies.Viewer);
        issue.MapPost("/", CreateOrLinkAsync).RequireAuthorization(OpsPolicies.Operator);
        issue.MapDelete("/", [CanConflict] async (Guid id, HttpRequest request, IssueService issues, CancellationToken ct) =>
            TypedResults.Ok(await issues.UnlinkAsync(id, request.HttpContext.User.ToActor(), ct)))
            .RequireAuthorization(OpsPolicies.Operator);
        issue.MapPost("/retry", [CanConflict] async (Guid id, HttpRequest request, IssueService issues, CancellationToken ct) =>
            TypedResults.Accepted((string?)null, await issues.RetryTaskAsync(id, request.HttpContext.User.ToActor(), ct)))
            .RequireAuthorization(OpsPolicies.Operator);

        var github = api.MapGroup("/integrations/github").WithTags("GitHub");
        github.MapGet("/", async (GitHubStatusQuery query, CancellationToken ct) => TypedResults.Ok(await query.StatusAsync(ct)))
            .RequireAuthorization(OpsPolicies.Viewer);
        github.MapPost("/deliver", async (HttpRequest request, IssueService issues, GitHubStatusQuery query, CancellationToken ct) =>
            {
                var run = await issues.DeliverNowAsync(request.HttpContext.User.ToActor(), ct);
                return TypedResults.Ok(new GitHubDeliveryDto(run.RetriedFailedTasks, run.Pass, await query.StatusAsync(ct)));
            })
            .RequireAuthorization(OpsPolicies.Operator);
        return api;
    }

    private static async Task<Results<Ok<TaskIssueDto>, NotFoundProblem>> IssueAsync(Guid id, IDbContextFactory<OpsDbContext> dbFactory, IssueService issues,
        IOptionsMonitor<GitHubOptions> options, IOptionsMonitor<OrchestrationOptions> orchestration, CancellationToken cancellationToken)
    {
        var taskId = id;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var task = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken);
        if (task is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var changes = await db.IssueOutbox.AsNoTracking().Where(r => r.WorkItemId == taskId).OrderByDescending(r => r.Id).Take(50).ToListAsync(cancellationToken);
        return TypedResults.Ok(new TaskIssueDto(task.Id, WireFormat.Of(task.GithubIssueState), task.GithubIssueNumber, task.GithubIssueUrl,
            options.CurrentValue.IsConfigured, orchestration.CurrentValue.DryRun, changes.Select(IssueChangeDto.From).ToList(), issues.Draft(task)));
    }

    [CanConflict]
    private static async Task<Results<Accepted<IssueStateDto>, RequestProblem>> CreateOrLinkAsync(
        Guid id, JsonRequest<IssueLinkBody> body, HttpRequest request, IssueService issues, CancellationToken cancellationToken)
    {
        if (body is not { Value: { } value, Fields: { } fields })
        {
            return body.Problem!;
        }

        var number = fields.Int("issue_number", value.IssueNumber, 1, int.MaxValue);
        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var actor = request.HttpContext.User.ToActor();
        var state = number is { } n ? await issues.LinkAsync(id, n, actor, cancellationToken) : await issues.RequestAsync(id, actor, cancellationToken);
        return TypedResults.Accepted((string?)null, state);
    }
}

/// <summary>The optional body of POST tasks/{id}/github_issue/: <c>issue_number</c> links an existing issue; without it the task's issue is requested.</summary>
public sealed record IssueLinkBody(int? IssueNumber = null) : IRequestRecord<IssueLinkBody>
{
    public static JsonTypeInfo<IssueLinkBody> JsonType => GitHubJson.Default.IssueLinkBody;

    public static bool AllowsEmpty => true;
}

/// <summary>The request records of the GitHub routes, bound by generated code.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IssueLinkBody))]
internal sealed partial class GitHubJson : JsonSerializerContext;

/// <summary>The answer to integrations/github/deliver/: failed tasks retried, the outbox pass just run, and the integration's state.</summary>
public sealed record GitHubDeliveryDto(int RetriedFailedTasks, OutboxPass Pass, GitHubStatusDto Status);

/// <summary>The integration's state for the API, the health check and the Integrations page.</summary>
/// <summary>A task whose issue waits, with the number of its changes not yet delivered.</summary>
public sealed record WaitingIssue(Guid Id, string Title, WorkItemPriority Priority, GitHubIssueState State, int? Number, int Changes);

public sealed class GitHubStatusQuery(
    IDbContextFactory<OpsDbContext> dbFactory,
    GitHubStatus status,
    IOptionsMonitor<GitHubOptions> options,
    IOptionsMonitor<OrchestrationOptions> orchestration)
{
    /// <summary>Tasks whose issue waits (to be created, failed, kept locally, or with changes not yet delivered), most urgent first.</summary>
    public async Task<List<WaitingIssue>> WaitingAsync(int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.IssueOutbox.AsNoTracking().Where(r => r.DeliveredAt == null)
            .GroupBy(r => r.WorkItemId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var tasks = await db.WorkItems.AsNoTracking()
            .Where(w => w.GithubIssueState == GitHubIssueState.Failed || w.GithubIssueState == GitHubIssueState.Local || w.GithubIssueState == GitHubIssueState.Pending
                || counts.Keys.Contains(w.Id))
            .OrderByDescending(w => w.Priority).ThenBy(w => w.CreatedOn).Take(take)
            .Select(w => new { w.Id, w.Title, w.Priority, w.GithubIssueState, w.GithubIssueNumber }).ToListAsync(cancellationToken);
        return tasks.Select(t => new WaitingIssue(t.Id, t.Title, t.Priority, t.GithubIssueState, t.GithubIssueNumber, counts.GetValueOrDefault(t.Id))).ToList();
    }

    public async Task<GitHubStatusDto> StatusAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var pending = await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null && r.FailedAt == null, cancellationToken);
        var failed = await db.IssueOutbox.CountAsync(r => r.DeliveredAt == null && r.FailedAt != null, cancellationToken);
        var oldest = await db.IssueOutbox.Where(r => r.DeliveredAt == null && r.FailedAt == null).OrderBy(r => r.Id).Select(r => (DateTime?)r.CreatedAt).FirstOrDefaultAsync(cancellationToken);
        var local = await db.WorkItems.CountAsync(w => w.GithubIssueState == GitHubIssueState.Local || w.GithubIssueState == GitHubIssueState.Pending, cancellationToken);
        var dryRun = orchestration.CurrentValue.DryRun;
        var paused = status.IsPaused(out var until);
        var state = !settings.IsConfigured ? "not_configured" : dryRun ? "dry_run" : paused ? "paused" : failed > 0 ? "failing" : pending > 0 ? "delivering" : "synced";
        return new GitHubStatusDto(settings.IsConfigured, settings.Repository, string.IsNullOrWhiteSpace(settings.ApiUrl) ? GitHubOptions.PublicApi : settings.ApiUrl,
            settings.Assignee, dryRun, state, paused ? until : null, paused ? status.PauseReason : null, status.LastError, status.LastErrorAt, status.LastDeliveryAt,
            status.Delivered,
            new GitHubRateDto(status.RateRemaining, status.RateLimit, status.RateReset, status.WritesInLastMinute(), settings.MaxWritesPerMinute, settings.MaxWritesPerHour, status.RateLimitHits),
            new GitHubBacklogDto(pending, failed, oldest, local));
    }
}
