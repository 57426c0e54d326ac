using System.Linq.Expressions;
using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
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
    /// <summary>The original's name of <see cref="Severity"/> (both are sent, so clients of either read theirs).</summary>
    public string Priority => Severity;

    /// <summary>The original's name of <see cref="Url"/>.</summary>
    public string? CurrentUrl => Url;

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

    public static RouteGroupBuilder MapBugReportApi(this RouteGroupBuilder api)
    {
        api.MapPost("/tasks/create_from_bug_report", CreateTaskAsync).RequireAuthorization(OpsPolicies.Operator).WithTags("Tasks");
        var reports = api.MapGroup("/bug-reports").WithTags("Bug reports");
        reports.MapPost("/", StoreAsync).RequireAuthorization(OpsPolicies.Operator);
        reports.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer);
        reports.MapGet("/{id:int}", DetailAsync).RequireAuthorization(OpsPolicies.Viewer);
        return api;
    }

    [CanConflict]
    private static async Task<Results<Created<TaskDetailDto>, Ok<TaskDetailDto>, RequestProblem>> CreateTaskAsync(
        HttpRequest request, ClaimsPrincipal user, BugReportService service, IDbContextFactory<OpsDbContext> dbFactory, TimeProvider time,
        Microsoft.Extensions.Options.IOptionsMonitor<Integrations.GitHub.GitHubOptions> github, CancellationToken cancellationToken)
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
            if (!body.HasValue("bug_report_id"))
            {
                body.Error("bug_report_id", "bug_report_id is null: send a stored report's id, or leave it out and send the report's fields");
            }

            foreach (var field in BugReportFields.All.Where(body.Has))
            {
                body.Error(field, $"send either bug_report_id or the report's fields, not both ({field} was sent with bug_report_id)");
            }
        }
        else
        {
            inline = BugReportFields.Read(body, github.CurrentValue);
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

    private static async Task<Results<Created<BugReportDto>, RequestProblem>> StoreAsync(
        HttpRequest request, ClaimsPrincipal user, BugReportService service, Microsoft.Extensions.Options.IOptionsMonitor<Integrations.GitHub.GitHubOptions> github, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var input = BugReportFields.Read(body, github.CurrentValue);
        if (!body.IsValid)
        {
            return body.Problem();
        }

        var report = await service.StoreAsync(input!, user.ToActor(), cancellationToken);
        return TypedResults.Created($"{ApiRoutes.Base}/bug-reports/{report.Id}/", BugReportDto.From(report));
    }

    private static async Task<Results<Ok<Page<BugReportDto>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
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

        return TypedResults.Ok(await q.PageAsync(db, query, BugReportDto.From, cancellationToken));
    }

    private static async Task<Results<Ok<BugReportDto>, NotFoundProblem>> DetailAsync(int id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var report = await db.BugReports.AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, cancellationToken);
        return report is null ? Problems.NotFound($"Bug report {id} was not found") : TypedResults.Ok(BugReportDto.From(report));
    }
}
