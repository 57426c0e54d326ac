using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Features.BugReports;

/// <summary>A bug report as a client sends it (validated by the endpoint).</summary>
public sealed record BugReportInput
{
    public required string Title { get; init; }
    public required string Description { get; init; }
    public WorkItemPriority Severity { get; init; } = WorkItemPriority.Medium;
    public string? StepsToReproduce { get; init; }
    public string? ExpectedBehavior { get; init; }
    public string? ActualBehavior { get; init; }
    public string? ReporterName { get; init; }
    public string? ReporterEmail { get; init; }
    public string? Url { get; init; }
    public string? PageTitle { get; init; }
    public string? BrowserInfo { get; init; }
    public string? UserAgent { get; init; }
    public string? ApplicationState { get; init; }

    /// <summary>The screenshot the original's form sends (decoded from its data URL); stored beside the report.</summary>
    public BugReportScreenshot? Screenshot { get; init; }
    public string? Environment { get; init; }
    public int? GithubIssueNumber { get; init; }
    public string? GithubIssueUrl { get; init; }

    /// <summary>The same report with every text redacted: done before the write, so the database writer spends no time on it.</summary>
    public BugReportInput Redacted() => this with
    {
        Title = Redactor.Redact(Title)!,
        Description = Redactor.Redact(Description)!,
        StepsToReproduce = Redactor.Redact(StepsToReproduce),
        ExpectedBehavior = Redactor.Redact(ExpectedBehavior),
        ActualBehavior = Redactor.Redact(ActualBehavior),
        ReporterName = Redactor.Redact(ReporterName),
        Url = Redactor.Redact(Url),
        PageTitle = Redactor.Redact(PageTitle),
        BrowserInfo = RedactJson(BrowserInfo),
        UserAgent = Redactor.Redact(UserAgent),
        ApplicationState = RedactJson(ApplicationState),
    };

    /// <summary>The report as stored, from a <see cref="Redacted"/> input.</summary>
    public BugReport ToEntity(string createdBy, DateTime now) => new()
    {
        Title = Title,
        Description = Description,
        Severity = Severity,
        StepsToReproduce = StepsToReproduce,
        ExpectedBehavior = ExpectedBehavior,
        ActualBehavior = ActualBehavior,
        ReporterName = ReporterName,
        ReporterEmail = ReporterEmail,
        Url = Url,
        PageTitle = PageTitle,
        BrowserInfo = BrowserInfo,
        UserAgent = UserAgent,
        ApplicationState = ApplicationState,
        Environment = Environment is null ? null : EnvironmentNames.Normalize(Environment),
        GithubIssueNumber = GithubIssueNumber,
        GithubIssueUrl = GithubIssueUrl,
        CreatedBy = createdBy,
        CreatedOn = now,
    };

    private static string? RedactJson(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return Redactor.Redact(System.Text.Json.Nodes.JsonNode.Parse(json))?.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return Redactor.Redact(json);
        }
    }
}

/// <summary>A bug-report task and whether it is new (false: the report's task was still open and is returned).</summary>
public sealed record BugReportTask(WorkItem Task, BugReport Report, bool Created);

/// <summary>Stores bug reports and turns them into bug_fix tasks (reference §5), one unit of work each.</summary>
public sealed class BugReportService(UnitOfWork unitOfWork, TaskCreation creation, AssignmentDispatcher dispatcher)
{
    public async Task<BugReport> StoreAsync(BugReportInput input, Actor actor, CancellationToken cancellationToken)
    {
        input = input.Redacted();
        return await unitOfWork.WriteAsync(async (db, now) =>
        {
            var report = await AddAsync(db, input, actor, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return report;
        }, cancellationToken);
    }

    /// <summary>
    /// A task for a stored report (<paramref name="bugReportId"/>) or for one sent inline (stored first, in the same
    /// transaction). A stored report whose task is still open gets that task back rather than a second one.
    /// </summary>
    public async Task<BugReportTask> CreateTaskAsync(int? bugReportId, BugReportInput? inline, WorkItemPriority? overridePriority, Actor actor, CancellationToken cancellationToken)
    {
        inline = inline?.Redacted();
        var result = await unitOfWork.WriteAsync(async (db, now) =>
        {
            BugReport report;
            if (bugReportId is { } id)
            {
                report = await db.BugReports.FirstOrDefaultAsync(b => b.Id == id, cancellationToken)
                    ?? throw RefusedException.NotFound($"Bug report {id} was not found");
                if (report.WorkItemId is { } taskId
                    && await db.WorkItems.Include(w => w.AssignedAgent).FirstOrDefaultAsync(w => w.Id == taskId, cancellationToken) is { } open
                    && !open.Status.IsTerminal())
                {
                    return new BugReportTask(open, report, false);
                }
            }
            else
            {
                report = await AddAsync(db, inline!, actor, now, cancellationToken); // saved: the report's id goes into the task
            }

            var priority = overridePriority ?? report.Severity;
            var item = await creation.AddTaskAsync(db, new NewWorkItem
            {
                Title = BugReportTemplate.Title(report),
                Description = BugReportTemplate.Description(report, priority),
                Kind = WorkItemKind.BugFix,
                Priority = priority,
                EstimatedDuration = BugReportTemplate.Estimate,
                InputData = BugReportTemplate.InputData(report),
                Environment = report.Environment,
                Source = BugReportTemplate.Source,
                Fingerprint = $"bug_report:{report.Id}",
                Owner = BugReportTemplate.Reporter(report),
                GithubIssueNumber = report.GithubIssueNumber,
                GithubIssueUrl = report.GithubIssueUrl,
            }, actor, now, cancellationToken);
            if (overridePriority is { } p && p != report.Severity)
            {
                TaskLog.Add(db, item, LogSeverity.Info, "priority_override",
                    $"Priority {p.Wire()} set by {actor.Name} instead of the report's {report.Severity.Wire()}", actor, now);
            }

            report.TaskCreated(item.Id);
            await creation.CommitCreatedAsync(db, [item], now, cancellationToken);
            return new BugReportTask(item, report, true);
        }, WriteLane.NewWork, cancellationToken);
        if (result.Created)
        {
            await dispatcher.DispatchAsync();
        }

        return result;
    }

    /// <summary>Stores the report (and its screenshot, which needs the report's id).</summary>
    private static async Task<BugReport> AddAsync(OpsDbContext db, BugReportInput input, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var report = input.ToEntity(actor.Name, now);
        db.BugReports.Add(report);
        await db.SaveChangesAsync(cancellationToken);
        if (input.Screenshot is { } screenshot)
        {
            db.BugReportScreenshots.Add(new BugReportScreenshot { BugReportId = report.Id, ContentType = screenshot.ContentType, Data = screenshot.Data });
        }

        return report;
    }
}
