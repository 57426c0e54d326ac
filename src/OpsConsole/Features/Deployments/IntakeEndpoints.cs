using System.Linq.Expressions;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.BugReports;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Deployments;

/// <summary>One result of POST failures/ (and of a webhook delivery), in the order the failures were sent.</summary>
public sealed record FailureResultDto(
    Guid? TaskId,
    bool Deduplicated,
    string? Fingerprint,
    string Outcome,
    int Occurrences,
    bool Suppressed,
    string? MaintenanceWindow,
    Guid? RegressionOf,
    string? Ignored)
{
    public static FailureResultDto From(IntakeResult r) => new(
        r.TaskId, r.Deduplicated, r.Fingerprint, WireFormat.Of(r.Outcome), r.Occurrences, r.Suppressed, r.MaintenanceWindow, r.RegressionOf, null);

    public static FailureResultDto NotAFailure(string reason) => new(null, false, null, "ignored", 0, false, null, null, $"not a failure: {reason}");
}

public sealed record FailureBatchDto(IReadOnlyList<FailureResultDto> Results, int Created, int Deduplicated, int Regressions, int Suppressed, int Ignored)
{
    public static FailureBatchDto From(IReadOnlyList<FailureResultDto> results) => new(
        results,
        results.Count(r => r.Outcome == "created"),
        results.Count(r => r.Deduplicated),
        results.Count(r => r.RegressionOf is not null),
        results.Count(r => r.Suppressed),
        results.Count(r => r.Ignored is not null));
}

/// <summary>A recorded failure (GET failures/).</summary>
public sealed record FailureRecordDto(
    Guid Id, DateTime ReceivedAt, DateTime? OccurredAt, string Channel, string? ReportedSource, string Environment, string? DeploymentId,
    string Fingerprint, string Step, string ErrorMessage, string Severity, string Outcome, Guid? TaskId, Guid? MaintenanceRuleId, string? Origin)
{
    public static FailureRecordDto From(FailureRecord f) => new(
        f.Id, f.ReceivedAt, f.OccurredAt, f.Channel, f.ReportedSource, f.Environment, f.DeploymentId, f.Fingerprint, f.Step,
        f.ErrorMessage, f.Severity, WireFormat.Of(f.Outcome), f.WorkItemId, f.MaintenanceRuleId, f.Origin);
}

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
        failures.MapPost("/", PostFailuresAsync).RequireAuthorization(OpsPolicies.Operator).Produces<FailureBatchDto>(202);
        failures.MapGet("/", ListFailuresAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<Page<FailureRecordDto>>();
        failures.MapGet("/summary", SummaryAsync).RequireAuthorization(OpsPolicies.Viewer);

        api.MapPost(GitHubWebhookPath, GitHubWebhookAsync).AllowAnonymous().WithTags("Failures").Produces<FailureBatchDto>(202);
        api.MapPost("/tasks/create_from_deployment_failure", CreateFromDeploymentFailureAsync)
            .RequireAuthorization(OpsPolicies.Operator).WithTags("Tasks").Produces<TaskDetailDto>(201);
        api.MapPost("/status/check_deployment_failures", CheckDeploymentFailuresAsync).RequireAuthorization(OpsPolicies.Operator).WithTags("Status");
        api.MapBugReportApi();
        return api;
    }

    // ---------------------------------------------------------------- POST failures/

    private static async Task<IResult> PostFailuresAsync(
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
                return Problems.Validation(Errors(("failures", "failures must be a list of failure objects")));
            }

            if (array.Count == 0)
            {
                return Problems.Validation(Errors(("failures", "failures is empty; send at least one failure")));
            }

            if (array.Count > DeploymentSettings.MaxBatch)
            {
                return Problems.Validation(Errors(("failures", $"failures holds {array.Count} items; at most {DeploymentSettings.MaxBatch} are accepted per request, so split the batch")));
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
        return TypedResults.Json(FailureBatchDto.From(answer), ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    private static Dictionary<string, List<string>> Errors(params (string Field, string Message)[] errors) =>
        errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToList());

    // ---------------------------------------------------------------- GET failures/, failures/summary/

    private static async Task<IResult> ListFailuresAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
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

        return TypedResults.Ok(await q.PageAsync(query, FailureRecordDto.From, cancellationToken));
    }

    private static async Task<IResult> SummaryAsync(
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
            .Select(w => new
            {
                rule_id = w.Rule.Id,
                name = w.Rule.Name,
                environments = w.Window!.Environments,
                sources = w.Window.Sources,
                starts_at = w.Window.StartsAt,
                ends_at = w.Window.EndsAt,
                open_now = w.Window.IsOpen(now),
                suppressed_total = w.Rule.TriggerCount,
            })
            .ToList();
        var cursor = await tailer.CursorAsync(cancellationToken);
        return TypedResults.Json(new
        {
            timestamp = now,
            last_24h = new
            {
                received = counts.Values.Sum(),
                created = counts.GetValueOrDefault(IntakeOutcome.Created),
                deduplicated = counts.GetValueOrDefault(IntakeOutcome.Deduplicated),
                regressions = counts.GetValueOrDefault(IntakeOutcome.Regression),
                suppressed = counts.GetValueOrDefault(IntakeOutcome.Suppressed),
            },
            maintenance_windows = windows,
            deployment_log = new
            {
                path = tailer.LogPath,
                exists = File.Exists(tailer.LogPath),
                watching = watcher.IsWatching,
                format = cursor is null ? null : WireFormat.Of(cursor.Format),
                offset = cursor?.Offset,
                line = cursor?.LineNumber,
                entries_read = cursor?.EntriesRead,
                malformed_lines = cursor?.MalformedLines,
                failures_seen = cursor?.FailuresSeen,
                rotations = cursor?.Rotations,
                truncations = cursor?.Truncations,
                last_read_at = cursor?.UpdatedAt,
            },
        }, ApiJson.Options);
    }

    // ---------------------------------------------------------------- webhook

    private static async Task<IResult> GitHubWebhookAsync(
        HttpRequest request, FailureIntake intake, Integrations.GitHub.IssueService issues, DeploymentSettings settings, IConfiguration configuration, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("OpsConsole.Features.Deployments.GitHubWebhook");
        var secret = configuration["GitHub:WebhookSecret"];
        if (string.IsNullOrEmpty(secret))
        {
            return Problems.Create(StatusCodes.Status401Unauthorized,
                "Webhooks are refused until the server has a secret: set GitHub:WebhookSecret and the same secret in the GitHub webhook's settings.");
        }

        var (bytes, tooLarge) = await ReadRawAsync(request, cancellationToken);
        if (bytes is null)
        {
            return tooLarge!;
        }

        var signature = request.Headers[GitHubSignature.Header].ToString();
        if (string.IsNullOrWhiteSpace(signature))
        {
            logger.LogWarning("Unsigned webhook delivery refused (from {Ip})", request.HttpContext.Connection.RemoteIpAddress);
            return Problems.Create(StatusCodes.Status401Unauthorized, $"The delivery is not signed: GitHub sends {GitHubSignature.Header} when the webhook has a secret; set it to GitHub:WebhookSecret.");
        }

        if (!GitHubSignature.IsValid(bytes, signature, secret))
        {
            logger.LogWarning("Webhook delivery with a wrong signature refused (from {Ip})", request.HttpContext.Connection.RemoteIpAddress);
            return Problems.Create(StatusCodes.Status401Unauthorized, $"{GitHubSignature.Header} does not match the body: the webhook's secret differs from GitHub:WebhookSecret, or the body was changed.");
        }

        var delivery = request.Headers["X-GitHub-Delivery"].ToString().Trim();
        var eventName = request.Headers["X-GitHub-Event"].ToString().Trim();
        if (delivery.Length is 0 or > 100 || eventName.Length is 0 or > 100)
        {
            return Problems.BadRequest("X-GitHub-Delivery and X-GitHub-Event are required (at most 100 characters each), as GitHub sends them.");
        }

        JsonObject payload;
        try
        {
            payload = JsonNode.Parse(PayloadText(request, bytes), documentOptions: new JsonDocumentOptions { MaxDepth = 128 }) as JsonObject
                ?? throw new JsonException("the payload is not a JSON object");
        }
        catch (JsonException ex)
        {
            return Problems.BadRequest($"The payload is not a JSON object: {ex.Message}");
        }

        var meaning = GitHubFailureEvents.Interpret(eventName, payload, settings.DefaultEnvironment, delivery);
        var results = await intake.IngestAsync(meaning.Failures, new Actor("github_webhook", ActorKind.Engine), cancellationToken, async (db, now) =>
        {
            if (await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.DeliveryId == delivery, cancellationToken) is { } earlier)
            {
                throw RefusedException.Conflict($"Delivery {delivery} was already received at {ApiJson.Timestamp(earlier.ReceivedAt)}; a replayed delivery creates nothing.");
            }

            db.WebhookDeliveries.Add(new WebhookDelivery { DeliveryId = delivery, Event = eventName, ReceivedAt = now });
        });
        if (eventName == "issues")
        {
            return TypedResults.Json(new { @event = eventName, delivery, result = await IssueEventAsync(payload, issues, cancellationToken) }, ApiJson.Options,
                statusCode: StatusCodes.Status202Accepted);
        }

        if (eventName == "ping")
        {
            return TypedResults.Json(new { message = "pong", zen = payload["zen"]?.ToString() }, ApiJson.Options);
        }

        var answer = FailureBatchDto.From(results.Select(FailureResultDto.From).ToList());
        return TypedResults.Json(new { @event = eventName, delivery, ignored = meaning.Ignored, answer.Results, answer.Created, answer.Deduplicated, answer.Suppressed },
            ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>An issue closed or reopened on GitHub: the task linked to it records it (reference: the original never listened).</summary>
    private static async Task<string> IssueEventAsync(JsonObject payload, Integrations.GitHub.IssueService issues, CancellationToken cancellationToken)
    {
        var action = payload["action"]?.GetValueKind() == JsonValueKind.String ? payload["action"]!.GetValue<string>() : null;
        if (action is not ("closed" or "reopened") || payload["issue"] is not JsonObject issue
            || issue["number"]?.GetValueKind() != JsonValueKind.Number || !issue["number"]!.AsValue().TryGetValue<int>(out var number))
        {
            return $"'{action}' on an issue changes nothing here; closed and reopened do";
        }

        static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
        return await issues.IssueClosedOnGitHubAsync(number, Text((payload["repository"] as JsonObject)?["full_name"]), action == "closed",
            Text(issue["state_reason"]), Text((payload["sender"] as JsonObject)?["login"]), cancellationToken);
    }

    /// <summary>The raw body (the signature covers its exact bytes), at most <see cref="JsonBody.MaxBodyBytes"/>.</summary>
    private static async Task<(byte[]? Bytes, IResult? TooLarge)> ReadRawAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > JsonBody.MaxBodyBytes)
        {
            return (null, Problems.TooLarge(JsonBody.MaxBodyBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > JsonBody.MaxBodyBytes)
                {
                    return (null, Problems.TooLarge(JsonBody.MaxBodyBytes));
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(JsonBody.MaxBodyBytes));
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>GitHub sends JSON, or (content type application/x-www-form-urlencoded) the JSON in a form field named payload.</summary>
    private static string PayloadText(HttpRequest request, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (var pair in text.Split('&'))
            {
                if (pair.StartsWith("payload=", StringComparison.Ordinal))
                {
                    return WebUtility.UrlDecode(pair["payload=".Length..]);
                }
            }
        }

        return text;
    }

    // ---------------------------------------------------------------- the original's routes

    private static async Task<IResult> CreateFromDeploymentFailureAsync(
        HttpRequest request, ClaimsPrincipal user, FailureIntake intake, DeploymentSettings settings,
        IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var deploymentId = body.String("deployment_id", required: true, max: DeploymentEntryReader.MaxIdLength);
        var errorMessage = body.String("error_message", required: true, max: DeploymentEntryReader.MaxMessageLength);
        var failedStep = body.String("failed_step", max: DeploymentEntryReader.MaxShortText);
        var hostname = body.String("server_hostname", max: DeploymentEntryReader.MaxShortText);
        var domain = body.String("domain", max: DeploymentEntryReader.MaxShortText);
        var additional = body.Object("additional_info", 64 * 1024);
        var environment = body.String("environment", max: 50);
        if (environment is not null && !EnvironmentNames.IsValid(environment))
        {
            body.Error("environment", $"environment '{environment}' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)");
        }

        if (!body.IsValid)
        {
            return body.Problem();
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
            return TypedResults.Json(new
            {
                message = $"Recorded during the maintenance window '{result.MaintenanceWindow}'; no task was created.",
                fingerprint = result.Fingerprint,
                suppressed = true,
            }, ApiJson.Options, statusCode: StatusCodes.Status202Accepted);
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

    private static async Task<IResult> CheckDeploymentFailuresAsync(DeploymentLogTailer tailer, CancellationToken cancellationToken)
    {
        var result = await tailer.CheckAsync("status/check_deployment_failures", cancellationToken);
        return TypedResults.Json(new
        {
            message = "Checked for deployment failures",
            tasks_created = result.CreatedTaskIds.Count,
            task_ids = result.CreatedTaskIds,
            deduplicated = result.Deduplicated,
            suppressed = result.Suppressed,
            lines_read = result.LinesRead,
            malformed_lines = result.Malformed,
            log_path = result.Path,
            log_exists = result.Exists,
        }, ApiJson.Options);
    }
}
