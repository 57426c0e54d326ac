using System.Globalization;
using System.Text;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.WorkItems;

/// <summary>/export/tasks.csv: the console's filtered task list as CSV (same query string as the Tasks page).</summary>
public static class TaskExport
{
    public const int MaxRows = 100_000;

    public static IEndpointRouteBuilder MapTaskExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/export/tasks.csv", async (HttpContext context, TaskQueries queries, TimeProvider time, CancellationToken cancellationToken) =>
        {
            var search = TaskSearch.FromQuery(context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString()));
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"opsconsole-tasks-{time.GetUtcNow():yyyyMMdd-HHmm}.csv\"";
            await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false));
            await writer.WriteLineAsync("id,title,task_type,priority,status,agent,environment,retry_count,max_retries,escalation_level,needs_attention,created_on,due_date,next_attempt_at,github_issue_number");
            await foreach (var w in queries.StreamAsync(search, MaxRows, cancellationToken))
            {
                await writer.WriteLineAsync(string.Join(',',
                    w.Id, Csv(w.Title), w.Kind.Wire(), w.Priority.Wire(), w.Status.Wire(), Csv(w.AssignedAgent?.Name), Csv(w.Environment),
                    w.RetryCount, w.MaxRetries, w.EscalationLevel, w.NeedsAttention ? "true" : "false",
                    Time(w.CreatedOn), Time(w.DueDate), Time(w.NextAttemptAt), w.GithubIssueNumber?.ToString(CultureInfo.InvariantCulture) ?? ""));
            }
        }).RequireAuthorization(OpsPolicies.Viewer).ExcludeFromDescription();
        return app;
    }

    private static string Time(DateTime? t) => t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Quotes a field, and defuses spreadsheet formulas (a cell starting with = + - @ is prefixed with ').</summary>
    public static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
