using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Security;

namespace OpsConsole.Features.BugReports;

/// <summary>
/// The original's bug-report API at its own routes (<c>/api/v1/bug-reports/bug-reports/</c>: list, create, detail,
/// <c>{id}/retry_github_creation/</c>, <c>stats/</c>, <c>user_reports/</c>) with its field names and shapes. A report sent here is
/// stored, made into a bug_fix task with its priority, and that task's GitHub issue is requested through the outbox (the
/// original created the issue on submit).
/// </summary>
public static class OriginalBugReportEndpoints
{
    public const string Base = "/api/v1/bug-reports";
    public const string Reports = Base + "/bug-reports";

    public static IEndpointRouteBuilder MapOriginalBugReportApi(this IEndpointRouteBuilder app)
    {
        var root = app.MapGroup(Base).RequireAuthorization().WithTags("Bug reports (the original's routes)");
        root.MapGet("/", () => TypedResults.Ok(new OriginalBugReportIndex($"{Reports}/"))).RequireAuthorization(OpsPolicies.Viewer);
        var reports = root.MapGroup("/bug-reports");
        reports.MapGet("/", ListAsync).RequireAuthorization(OpsPolicies.Viewer).WithMetadata(ListParameters.NumberedOnly.Instance);
        reports.MapPost("/", CreateAsync).RequireAuthorization(OpsPolicies.Operator);
        reports.MapGet("/stats", StatsAsync).RequireAuthorization(OpsPolicies.Viewer);
        reports.MapGet("/user_reports", UserReportsAsync).RequireAuthorization(OpsPolicies.Viewer);
        reports.MapGet("/{id:int}", DetailAsync).RequireAuthorization(OpsPolicies.Viewer);
        reports.MapGet("/{id:int}/screenshot", ScreenshotAsync).RequireAuthorization(OpsPolicies.Viewer);
        reports.MapPost("/{id:int}/retry_github_creation", RetryAsync).RequireAuthorization(OpsPolicies.Operator);
        return app;
    }

    [CanConflict]
    private static async Task<Results<Created<OriginalBugReportAnswer>, RequestProblem>> CreateAsync(
        HttpRequest request, ClaimsPrincipal user, BugReportService service, IssueService issues, IDbContextFactory<OpsDbContext> dbFactory,
        IOptionsMonitor<GitHubOptions> github, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var input = BugReportFields.Read(body, github.CurrentValue);
        if (input is null)
        {
            return body.Problem();
        }

        var actor = user.ToActor();
        var made = await service.CreateTaskAsync(null, input, null, actor, cancellationToken);
        await issues.RequestAsync(made.Task.Id, actor, cancellationToken);
        var detail = await DetailJsonAsync(request, dbFactory, github, made.Report.Id, cancellationToken);
        return TypedResults.Created($"{Reports}/{made.Report.Id}/",
            new OriginalBugReportAnswer(true, "Bug report created successfully", detail));
    }

    private static async Task<Results<Ok<Page<OriginalBugReportListItem>>, ValidationProblem>> ListAsync(HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github, CancellationToken cancellationToken)
    {
        var q = new ListQuery(request);
        var statuses = q.Strings("status");
        foreach (var unknown in statuses?.Except(OriginalBugReportView.Statuses) ?? [])
        {
            q.Error("status", $"'{unknown}' is not a valid status; allowed: {string.Join(", ", OriginalBugReportView.Statuses)}");
        }

        var priorities = q.Enums<WorkItemPriority>("priority");
        var copilot = q.Bool("assigned_to_copilot");
        var search = q.Text("search")?.ToLower();
        if (!q.IsValid)
        {
            return q.Problem();
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var rows = Views(db,
            b => (priorities == null || priorities.Contains(b.Severity))
                && (search == null || b.Title.ToLower().Contains(search) || b.Description.ToLower().Contains(search) || b.CreatedBy.ToLower().Contains(search)));
        var assigns = AssignsToCopilot(github);
        // Reports are people's reports (hundreds, not millions): status comes from each report's task, so filter and order here.
        IEnumerable<OriginalBugReportView> views = await rows.ToListAsync(cancellationToken);
        views = views.Where(v => (statuses == null || statuses.Contains(v.Status)) && (copilot == null || (assigns && v.IssueNumber is not null) == copilot));
        var keys = new Dictionary<string, Func<OriginalBugReportView, IComparable>>
        {
            ["created_on"] = v => v.Report.CreatedOn,
            ["priority"] = v => v.Report.Severity.Wire(), // the original orders the stored strings
            ["status"] = v => v.Status,
        };
        return TypedResults.Ok(q.Paginate(q.Order(views, keys, "-created_on").Select(v => v.ListItem(assigns)).ToList()));
    }

    private static async Task<Ok<OriginalBugReportDetail>> DetailAsync(int id, HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github, CancellationToken cancellationToken) =>
        TypedResults.Ok(await DetailJsonAsync(request, dbFactory, github, id, cancellationToken));

    [CanConflict]
    private static async Task<Ok<OriginalBugReportAnswer>> RetryAsync(
        int id, HttpRequest request, ClaimsPrincipal user, IssueService issues, IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github,
        CancellationToken cancellationToken)
    {
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var view = await Views(db, b => b.Id == id).FirstOrDefaultAsync(cancellationToken) ?? throw NotFound(id);
            if (view.Status != "failed")
            {
                throw RefusedException.BadRequest($"Can only retry failed bug reports; this one is {view.Status}");
            }

            await issues.RetryTaskAsync(view.Task!.Id, user.ToActor(), cancellationToken);
        }

        var detail = await DetailJsonAsync(request, dbFactory, github, id, cancellationToken);
        return TypedResults.Ok(new OriginalBugReportAnswer(true, "Retry completed: the GitHub issue is being created again", detail));
    }

    private static async Task<Ok<BugReportStatsDto>> StatsAsync(IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var views = await Views(db, _ => true).ToListAsync(cancellationToken);
        var assigns = AssignsToCopilot(github);
        return TypedResults.Ok(new BugReportStatsDto(
            views.Count,
            OriginalBugReportView.Statuses.ToDictionary(s => s, s => views.Count(v => v.Status == s)),
            BugReport.Severities.ToDictionary(p => p.Wire(), p => views.Count(v => v.Report.Severity == p)),
            views.Count(v => v.Status == "submitted"),
            assigns ? views.Count(v => v.IssueNumber is not null) : 0,
            views.Count(v => v.Status == "failed")));
    }

    private static async Task<Ok<OriginalUserReportsDto>> UserReportsAsync(ClaimsPrincipal user, IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github, CancellationToken cancellationToken)
    {
        var name = user.ToActor().Name;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var views = await Views(db, b => b.CreatedBy == name).ToListAsync(cancellationToken);
        var assigns = AssignsToCopilot(github);
        var data = views.OrderByDescending(v => v.Report.CreatedOn).Select(v => v.ListItem(assigns)).ToList();
        return TypedResults.Ok(new OriginalUserReportsDto(true, data.Count, data));
    }

    private static async Task<Results<ImageFile, NotFoundProblem>> ScreenshotAsync(int id, IDbContextFactory<OpsDbContext> dbFactory, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var screenshot = await db.BugReportScreenshots.AsNoTracking().FirstOrDefaultAsync(s => s.BugReportId == id, cancellationToken);
        return screenshot is null
            ? Problems.NotFound($"Bug report {id} has no screenshot (or does not exist)")
            : new ImageFile(screenshot.Data, screenshot.ContentType);
    }

    /// <summary>Reports matching <paramref name="filter"/>, each with the task made from it (if any).</summary>
    private static IQueryable<OriginalBugReportView> Views(OpsDbContext db, System.Linq.Expressions.Expression<Func<BugReport, bool>> filter) =>
        from b in db.BugReports.AsNoTracking().Where(filter)
        join w in db.WorkItems.AsNoTracking() on b.WorkItemId equals (Guid?)w.Id into tasks
        from w in tasks.DefaultIfEmpty()
        select new OriginalBugReportView(b, w, false, null);

    private static async Task<OriginalBugReportDetail> DetailJsonAsync(
        HttpRequest request, IDbContextFactory<OpsDbContext> dbFactory, IOptionsMonitor<GitHubOptions> github, int id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var view = await Views(db, b => b.Id == id).FirstOrDefaultAsync(cancellationToken) ?? throw NotFound(id);
        var taskId = view.Task?.Id;
        var error = taskId is null ? null : await db.IssueOutbox.AsNoTracking()
            .Where(r => r.WorkItemId == taskId && r.FailedAt != null).OrderByDescending(r => r.Id).Select(r => r.LastError).FirstOrDefaultAsync(cancellationToken);
        view = view with { HasScreenshot = await db.BugReportScreenshots.AnyAsync(s => s.BugReportId == id, cancellationToken), DeliveryError = error };
        var labels = view is { IssueNumber: not null, Task: { } task } ? IssueTemplates.Labels(task).Select(l => l.Name).ToList() : [];
        return view.Detail(AssignsToCopilot(github), $"{request.Scheme}://{request.Host}{request.PathBase}{Reports}/{id}/screenshot/", labels);
    }

    private static bool AssignsToCopilot(IOptionsMonitor<GitHubOptions> github) => !string.IsNullOrWhiteSpace(github.CurrentValue.Assignee);

    private static RefusedException NotFound(int id) => RefusedException.NotFound($"Bug report {id} was not found");
}

/// <summary>The original's stats/ answer.</summary>
public sealed record BugReportStatsDto(
    int Total, Dictionary<string, int> ByStatus, Dictionary<string, int> ByPriority, int SubmittedToGithub, int AssignedToCopilot, int FailedSubmissions);
