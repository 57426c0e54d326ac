using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.BugReports;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// The failure intake routes: POST failures/ (one or a batch), GET failures/ and failures/summary/, the GitHub webhook,
/// the original's POST tasks/create_from_deployment_failure/ and POST status/check_deployment_failures/, and the bug-report routes.
/// </summary>
public static class IntakeEndpoints
{
    public const string GitHubWebhookPath = "/webhooks/github";

    private static readonly Dictionary<string, Expression<Func<FailureRecord, object?>>> Orderings = new()
    {
        ["received_at"] = f => f.ReceivedAt,
        ["environment"] = f => f.Environment,
        ["outcome"] = f => f.Outcome,
    };

    public static RouteGroupBuilder MapIntakeApi(this RouteGroupBuilder api)
    {
        var failures = api.MapGroup("/failures").WithTags("Failures");
        failures.MapPost("/", PostFailuresAsync).RequireAuthorization(OpsPolicies.Operator);
        failures.MapGet("/", ListFailuresAsync).RequireAuthorization(OpsPolicies.Viewer);
        failures.MapGet("/summary", SummaryAsync).RequireAuthorization(OpsPolicies.Viewer);

        api.MapPost(GitHubWebhookPath, GitHubWebhookReceiver.GitHubWebhookAsync).AllowAnonymous().WithTags("Failures")
            .WithSummary("GitHub's webhook (X-Hub-Signature-256 with GitHub:WebhookSecret; a replayed X-GitHub-Delivery is 409)")
            .WithDescription(
                "workflow_run, check_run, deployment_status: failures become tasks. issues: opened / labeled / reopened with GitHub:IntakeLabel " +
                "(default opsconsole:task) take the issue in as one task (source github_issue, type:… / priority:… labels); edited and labeled " +
                "follow onto it; closed completes (not_planned cancels) the linked task. pull_request: one that closes a task's issue " +
                "(Fixes / Closes / Resolves #N) or comes from the branch opsconsole/<task id> is linked to the task (pull_requests); merged " +
                "completes it (GitHub:CompleteOnMerge), closed unmerged fails the attempt. workflow_run / check_suite on a linked pull " +
                "request's head update its checks; a failed run gets one comment (GitHub:CiFeedbackLimit per pull request), then the task escalates.");
        api.MapPost("/tasks/create_from_deployment_failure", CreateFromDeploymentFailureAsync)
            .RequireAuthorization(OpsPolicies.Operator).WithTags("Tasks");
        api.MapPost("/status/check_deployment_failures", CheckDeploymentFailuresAsync).RequireAuthorization(OpsPolicies.Operator).WithTags("Status");
        api.MapBugReportApi();
        return api;
    }

    // ---------------------------------------------------------------- POST failures/

    [CanConflict]
    private static async Task<Results<Accepted<FailureBatchDto>, RequestProblem>> PostFailuresAsync(
        HttpRequest request, ClaimsPrincipal user, FailureIntake intake, DeploymentSettings settings, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var items = new List<(JsonObject Item, string Prefix)>();
        if (body.Json.TryGetPropertyValue("failures", out var list))
        {
            if (list is not JsonArray array)
            {
                return new RequestProblem(Problems.Validation(Errors(("failures", "failures must be a list of failure objects"))));
            }

            if (array.Count == 0)
            {
                return new RequestProblem(Problems.Validation(Errors(("failures", "failures is empty; send at least one failure"))));
            }

            if (array.Count > DeploymentSettings.MaxBatch)
            {
                return new RequestProblem(Problems.Validation(Errors(("failures", $"failures holds {array.Count} items; at most {DeploymentSettings.MaxBatch} are accepted per request, so split the batch"))));
            }

            for (var i = 0; i < array.Count; i++)
            {
                if (array[i] is JsonObject item)
                {
                    items.Add((item, $"failures[{i}]."));
                }
                else
                {
                    body.Error($"failures[{i}]", $"failures[{i}] must be a failure object, not {JsonKinds.Describe(array[i])}");
                }
            }
        }
        else
        {
            items.Add((body.Json, ""));
        }

        var errors = new List<FieldError>();
        var entries = new List<DeploymentEntry?>();
        foreach (var (item, prefix) in items)
        {
            var entry = DeploymentEntryReader.Read(item, prefix, settings.TimeZone, strictTimestamp: true, errors);
            if (entry is not null && entry.DeploymentId is null && entry.ErrorMessage is null && entry.Message is null && entry.Logs.Count == 0 && entry.Status is null)
            {
                var where = prefix.Length == 0 ? "the failure" : prefix.TrimEnd('.');
                errors.Add(new(prefix + "error_message", $"{where} says nothing: give at least error_message (or deployment_id, status, logs)"));
                entry = null;
            }

            entries.Add(entry);
        }

        foreach (var error in errors)
        {
            body.Error(error.Field, error.Message);
        }

        if (!body.IsValid)
        {
            return body.Problem();
        }

        // A failure the sender reports is a failure unless the entry itself says it succeeded.
        var slots = new List<FailureResultDto?>();
        var reports = new List<FailureReport>();
        foreach (var entry in entries.OfType<DeploymentEntry>())
        {
            var assessment = FailureDetector.Assess(entry);
            if (assessment.Verdict == FailureVerdict.Succeeded)
            {
                slots.Add(FailureResultDto.NotAFailure(assessment.Reason));
                continue;
            }

            slots.Add(null);
            reports.Add(FailureReport.FromEntry(entry, FailureChannels.FailureApi, settings.DefaultEnvironment,
                assessment.IsFailure ? assessment.Reason : "reported as a failure", "POST failures/"));
        }

        var results = reports.Count == 0 ? [] : await intake.IngestAsync(reports, user.ToActor(), cancellationToken);
        var next = 0;
        var answer = slots.Select(s => s ?? FailureResultDto.From(results[next++])).ToList();
        return TypedResults.Accepted((string?)null, FailureBatchDto.From(answer));
    }

    /// <summary>
    /// One failure of a request body (as POST failures/ reads it) as the report intake gets; null with the problems in
    /// <paramref name="body"/> under <paramref name="prefix"/>, or with <paramref name="notAFailure"/> when the entry says it succeeded.
    /// </summary>
    public static FailureReport? ReadFailure(JsonObject item, string prefix, DeploymentSettings settings, JsonBody body, out string? notAFailure)
    {
        notAFailure = null;
        var errors = new List<FieldError>();
        var entry = DeploymentEntryReader.Read(item, prefix, settings.TimeZone, strictTimestamp: true, errors);
        if (entry is not null && entry.DeploymentId is null && entry.ErrorMessage is null && entry.Message is null && entry.Logs.Count == 0 && entry.Status is null)
        {
            errors.Add(new(prefix + "error_message", $"{prefix.TrimEnd('.')} says nothing: give at least error_message (or deployment_id, status, logs)"));
            entry = null;
        }

        foreach (var error in errors)
        {
            body.Error(error.Field, error.Message);
        }

        if (entry is null)
        {
            return null;
        }

        var assessment = FailureDetector.Assess(entry);
        if (assessment.Verdict == FailureVerdict.Succeeded)
        {
            notAFailure = assessment.Reason;
            return null;
        }

        return FailureReport.FromEntry(entry, FailureChannels.FailureApi, settings.DefaultEnvironment,
            assessment.IsFailure ? assessment.Reason : "reported as a failure", "POST failures/");
    }

    private static Dictionary<string, List<string>> Errors(params (string Field, string Message)[] errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToList());

    // ---------------------------------------------------------------- GET failures/, failures/summary/

    private static async Task<Results<Ok<Page<FailureRecordDto>>, ValidationProblem>> ListFailuresAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<FailureRecord> query = db.FailureRecords.AsNoTracking();
        if (q.Enums<IntakeOutcome>("outcome") is { } outcomes) query = query.Where(f => outcomes.Contains(f.Outcome));
        if (q.Strings("environment") is { } environments) query = query.Where(f => environments.Contains(f.Environment));
        if (q.Strings("channel") is { } channels) query = query.Where(f => channels.Contains(f.Channel));
        if (q.Text("fingerprint") is { } fingerprint) query = query.Where(f => f.Fingerprint == fingerprint);
        if (q.Id("task") is { } taskId) query = query.Where(f => f.WorkItemId == taskId);
        if (q.Time("received_at__gte") is { } from) query = query.Where(f => f.ReceivedAt >= from);
        if (q.Time("received_at__lte") is { } to) query = query.Where(f => f.ReceivedAt <= to);
        query = q.Order(query, Orderings, "-received_at");
        if (!q.IsValid)
        {
            return q.Problem();
        }

        return TypedResults.Ok(await q.PageAsync(db, query, FailureRecordDto.From, cancellationToken));
    }

    private static async Task<Ok<FailureSummaryDto>> SummaryAsync(
        IDbContextFactory<OpsDbContext> dbFactory, DeploymentLogTailer tailer, DeploymentLogWatcher watcher, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var since = now.AddHours(-24);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.FailureRecords.Where(f => f.ReceivedAt >= since)
            .GroupBy(f => f.Outcome).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var rules = await db.Rules.AsNoTracking().Where(r => r.IsActive && r.Kind == RuleKind.Monitoring).ToListAsync(cancellationToken);
        var windows = rules
            .Select(r => (Rule: r, Window: MaintenanceWindow.From(r.Id, r.Name, r.TriggerConditions, r.Actions, out _)))
            .Where(w => w.Window is not null)
            .Select(w => MaintenanceWindowDto.From(w.Window!, w.Rule.TriggerCount, now))
            .ToList();
        var cursor = await tailer.CursorAsync(cancellationToken);
        return TypedResults.Ok(new FailureSummaryDto(
            now,
            new FailureCountsDto(
                counts.Values.Sum(),
                counts.GetValueOrDefault(IntakeOutcome.Created),
                counts.GetValueOrDefault(IntakeOutcome.Deduplicated),
                counts.GetValueOrDefault(IntakeOutcome.Regression),
                counts.GetValueOrDefault(IntakeOutcome.Suppressed)),
            windows,
            DeploymentLogReaderDto.From(tailer.LogPath, watcher.IsWatching, cursor)));
    }

    // ---------------------------------------------------------------- webhook

    // ---------------------------------------------------------------- the original's routes

    [CanConflict]
    private static async Task<Results<Created<TaskDetailDto>, Ok<TaskDetailDto>, Accepted<SuppressedFailureDto>, NotFoundProblem, RequestProblem>> CreateFromDeploymentFailureAsync(
        JsonRequest<DeploymentFailureBody> request, ClaimsPrincipal user, FailureIntake intake, DeploymentSettings settings,
        IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request is not { Value: { } body, Fields: { } fields })
        {
            return request.Problem!;
        }

        var deploymentId = fields.String("deployment_id", body.DeploymentId, required: true, max: DeploymentEntryReader.MaxIdLength);
        var errorMessage = fields.String("error_message", body.ErrorMessage, required: true, max: DeploymentEntryReader.MaxMessageLength);
        var failedStep = fields.String("failed_step", body.FailedStep, max: DeploymentEntryReader.MaxShortText);
        var hostname = fields.String("server_hostname", body.ServerHostname, max: DeploymentEntryReader.MaxShortText);
        var domain = fields.String("domain", body.Domain, max: DeploymentEntryReader.MaxShortText);
        var additional = fields.Object("additional_info", body.AdditionalInfo, 64 * 1024);
        var environment = fields.String("environment", body.Environment, max: 50);
        if (environment is not null && !EnvironmentNames.IsValid(environment))
        {
            fields.Error("environment", $"environment '{environment}' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)");
        }

        if (!fields.IsValid)
        {
            return fields.Problem();
        }

        var report = new FailureReport
        {
            Channel = FailureChannels.ManualApi,
            DeploymentId = deploymentId,
            ErrorMessage = errorMessage!,
            Step = failedStep ?? "Unknown",
            Environment = EnvironmentNames.Normalize(environment, settings.DefaultEnvironment),
            Hostname = hostname,
            Domain = domain,
            ServerExtra = additional is null ? null : JsonNode.Parse(additional) as JsonObject,
            Reason = "reported through create_from_deployment_failure",
            Origin = "POST tasks/create_from_deployment_failure/",
        };
        var result = (await intake.IngestAsync([report], user.ToActor(), cancellationToken))[0];
        if (result.TaskId is not { } taskId)
        {
            return TypedResults.Accepted((string?)null,
                new SuppressedFailureDto($"Recorded during the maintenance window '{result.MaintenanceWindow}'; no task was created.", result.Fingerprint, Suppressed: true));
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await WorkItemEndpoints.LoadDetailAsync(db, taskId, cancellationToken);
        if (item is null)
        {
            return Problems.NotFound("Task", taskId);
        }

        var dto = TaskDetailDto.From(item, time.GetUtcNow().UtcDateTime);
        return result.Deduplicated
            ? TypedResults.Ok(dto)
            : TypedResults.Created($"{ApiRoutes.Base}/tasks/{item.Id}/", dto);
    }

    [CanConflict]
    private static async Task<Ok<DeploymentLogCheckDto>> CheckDeploymentFailuresAsync(DeploymentLogTailer tailer, CancellationToken cancellationToken) =>
        TypedResults.Ok(DeploymentLogCheckDto.From(await tailer.CheckAsync("status/check_deployment_failures", cancellationToken)));
}

/// <summary>The answer to a failure recorded during a maintenance window: no task was made.</summary>
public sealed record SuppressedFailureDto(string Message, string Fingerprint, bool Suppressed);
