using System.Globalization;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>/export/tasks.csv: the console's filtered task list as CSV (same query string as the Tasks page).</summary>
public static class TaskExport
{
    public const int MaxRows = 100_000;

    public static IEndpointRouteBuilder MapTaskExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/export/tasks.csv", (HttpContext context, TaskQueries queries, TimeProvider time, CancellationToken cancellationToken) =>
            CsvDownload.WriteAsync(
                context, "tasks", time.GetUtcNow(),
                "id,title,task_type,priority,status,agent,environment,retry_count,max_retries,escalation_level,needs_attention,created_on,due_date,next_attempt_at,github_issue_number",
                queries.StreamAsync(TaskSearch.FromQuery(context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString())), MaxRows, cancellationToken),
                w => [
                    w.Id.ToString(), CsvDownload.Text(w.Title), w.Kind.Wire(), w.Priority.Wire(), w.Status.Wire(), CsvDownload.Text(w.AssignedAgent?.Name),
                    CsvDownload.Text(w.Environment), Number(w.RetryCount), Number(w.MaxRetries), Number(w.EscalationLevel), w.NeedsAttention ? "true" : "false",
                    CsvDownload.Time(w.CreatedOn), CsvDownload.Time(w.DueDate), CsvDownload.Time(w.NextAttemptAt), w.GithubIssueNumber is { } n ? Number(n) : "",
                ]))
            .RequireAuthorization(OpsPolicies.Viewer).ExcludeFromDescription();
        return app;
    }

    private static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
}
