using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.BugReports;

public sealed record BugReportDto(
    int Id, string Title, string Description, string Severity, string? StepsToReproduce, string? ExpectedBehavior, string? ActualBehavior,
    string? ReporterName, string? ReporterEmail, string? Url, string? PageTitle, JsonNode? BrowserInfo, string? UserAgent, JsonNode? ApplicationState,
    string? Environment, int? GithubIssueNumber, string? GithubIssueUrl, string CreatedBy, DateTime CreatedOn, Guid? TaskId)
{
    public static BugReportDto From(BugReport b) => new(
        b.Id, b.Title, b.Description, b.Severity.Wire(), b.StepsToReproduce, b.ExpectedBehavior, b.ActualBehavior, b.ReporterName, b.ReporterEmail,
        b.Url, b.PageTitle, b.BrowserInfo is null ? null : ApiJson.Node(b.BrowserInfo), b.UserAgent,
        b.ApplicationState is null ? null : ApiJson.Node(b.ApplicationState), b.Environment, b.GithubIssueNumber, b.GithubIssueUrl,
        b.CreatedBy, b.CreatedOn, b.WorkItemId);
}

/// <summary>Bug reports (a small store) and the original's POST tasks/create_from_bug_report/, which now honours override_priority.</summary>
public static class BugReportEndpoints
{
    private static readonly Dictionary<string, Expression<Func<BugReport, object?>>> Orderings = new()
    {
        ["created_on"] = b => b.CreatedOn,
        ["severity"] = b => b.Severity,
        ["title"] = b => b.Title,
    };

    private static readonly string[] InlineFields =
    [
        "title", "description", "severity", "steps_to_reproduce", "expected_behavior", "actual_behavior", "reporter_name", "reporter_email",
        "url", "page_title", "browser_info", "user_agent", "application_state", "environment", "github_issue_number", "github_issue_url",
    ];

    public static RouteGroupBuilder MapBugReportApi(this RouteGroupBuilder api)
    {
        api.MapPost("/tasks/create_from_bug_report", CreateTaskAsync).RequireAuthorization(OpsPolicies.Operator).WithTags("Tasks").Produces<TaskDetailDto>(201);
        var reports = api.MapGroup("/bug-reports").WithTags("Bug reports");
        reports.MapPost("/", StoreAsync).RequireAuthorization(OpsPolicies.Operator).Produces<BugReportDto>(201);
        reports.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<Page<BugReportDto>>();
        reports.MapGet("/{id:int}", DetailAsync).RequireAuthorization(OpsPolicies.Viewer).Produces<BugReportDto>();
        return api;
    }

    private static async Task<IResult> CreateTaskAsync(
        HttpRequest request, ClaimsPrincipal user, BugReportService service, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var bugReportId = body.Int("bug_report_id", 1, int.MaxValue);
        var overridePriority = body.Enum<WorkItemPriority>("override_priority");
        BugReportInput? inline = null;
        if (body.Has("bug_report_id"))
        {
            foreach (var field in InlineFields.Where(body.Has))
            {
                body.Error(field, $"send either bug_report_id or the report's fields, not both ({field} was sent with bug_report_id)");
            }
        }
        else
        {
            inline = ReadInput(body);
        }

        if (!body.IsValid)
        {
            return body.Problem();
        }

        var result = await service.CreateTaskAsync(bugReportId, inline, overridePriority, user.ToActor(), cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var item = await WorkItemEndpoints.LoadDetailAsync(db, result.Task.Id, cancellationToken);
        var dto = TaskDetailDto.From(item!, time.GetUtcNow().UtcDateTime);
        return result.Created ? TypedResults.Created($"{ApiRoutes.Base}/tasks/{dto.Id}/", dto) : TypedResults.Ok(dto);
    }

    private static async Task<IResult> StoreAsync(HttpRequest request, ClaimsPrincipal user, BugReportService service, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var input = ReadInput(body);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var report = await service.StoreAsync(input!, user.ToActor(), cancellationToken);
        return TypedResults.Created($"{ApiRoutes.Base}/bug-reports/{report.Id}/", BugReportDto.From(report));
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        IQueryable<BugReport> query = db.BugReports.AsNoTracking();
        if (q.Enums<WorkItemPriority>("severity") is { } severities) query = query.Where(b => severities.Contains(b.Severity));
        if (q.Text("search") is { } search)
        {
            var term = search.ToLower();
            query = query.Where(b => b.Title.ToLower().Contains(term) || b.Description.ToLower().Contains(term));
        }

        query = q.Order(query, Orderings, "-created_on");
        if (!q.IsValid)
        {
            return q.Problem();
        }

        return TypedResults.Ok(await q.PageAsync(query, BugReportDto.From, cancellationToken));
    }

    private static async Task<IResult> DetailAsync(int id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var report = await db.BugReports.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        return report is null ? Problems.NotFound($"Bug report {id} was not found") : TypedResults.Ok(BugReportDto.From(report));
    }

    /// <summary>The inline report's fields; errors are collected on <paramref name="body"/>.</summary>
    private static BugReportInput? ReadInput(JsonBody body)
    {
        var title = body.String("title", required: true, max: BugReportTemplate.MaxTitle - 12);
        var description = body.String("description", required: true, max: WorkItemEndpoints.MaxDescription / 2);
        var severity = body.Enum<WorkItemPriority>("severity");
        if (severity is { } s && !BugReport.Severities.Contains(s))
        {
            body.Error("severity", $"severity '{s.Wire()}' is not allowed; allowed: low, medium, high, critical (use override_priority for emergency)");
        }

        var email = body.String("reporter_email", max: 254);
        if (email is not null && (email.IndexOf('@') is <= 0 || email.EndsWith('@') || email.Contains(' ')))
        {
            body.Error("reporter_email", $"reporter_email '{email}' is not an e-mail address");
        }

        var environment = body.String("environment", max: 50);
        if (environment is not null && !EnvironmentNames.IsValid(environment))
        {
            body.Error("environment", $"environment '{environment}' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)");
        }

        var input = new BugReportInput
        {
            Title = title ?? "",
            Description = description ?? "",
            Severity = severity ?? WorkItemPriority.Medium,
            StepsToReproduce = body.String("steps_to_reproduce", max: 10_000, allowEmpty: true),
            ExpectedBehavior = body.String("expected_behavior", max: 10_000, allowEmpty: true),
            ActualBehavior = body.String("actual_behavior", max: 10_000, allowEmpty: true),
            ReporterName = body.String("reporter_name", max: 150),
            ReporterEmail = email,
            Url = body.String("url", max: 2000),
            PageTitle = body.String("page_title", max: 500),
            BrowserInfo = ObjectOrText(body, "browser_info"),
            UserAgent = body.String("user_agent", max: 1000),
            ApplicationState = body.Object("application_state", 64 * 1024),
            Environment = environment,
            GithubIssueNumber = body.Int("github_issue_number", 1, int.MaxValue),
            GithubIssueUrl = body.String("github_issue_url", max: 500),
        };
        return body.IsValid ? input : null;
    }

    /// <summary>browser_info as an object ({"name": "Firefox", …}) or as a plain string; stored as JSON text.</summary>
    private static string? ObjectOrText(JsonBody body, string field)
    {
        if (body.Json.TryGetPropertyValue(field, out var node) && node is JsonObject)
        {
            return body.Object(field, 16 * 1024);
        }

        var text = body.String(field, max: 4000);
        return text is null ? null : JsonValue.Create(text).ToJsonString();
    }
}
