using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Benchmarks;

/// <summary>
/// <c>list [tasks=1000000] [requests=200]</c>: the task list over a million tasks, in every filter the console offers (each in
/// the default order, most urgent first), every order it sorts by, and filters newest first. Through the API (page_size 20): the first page; a deep
/// page reached by cursor (jumped to once by number, which pays for skipping the rows before it and is printed, then read
/// again and again through the cursor its <c>next</c> link carries); and following <c>next</c> from there. Through the
/// console's own query (<see cref="TaskQueries"/>, 25 rows): the first page, following next, the last page, and following
/// previous from it, as its pager does. Prints p50/p95/p99 in milliseconds and the worst p99 against the goal of 20 ms;
/// each view's first request (its query compiled) is timed and printed on its own, before the requests its p99 counts.
/// </summary>
public static class ListLoad
{
    private const string Tasks = "/api/v1/orchestration/tasks/";
    private const double GoalMs = 20;

    private sealed record View(string Name, string Query, string Where, TaskSearch Search);

    public static async Task RunAsync(int count, int requests)
    {
        using var app = new BenchHost();
        var client = app.Client();
        await ApiLoad.BulkInsertTasksAsync(app, count, varied: true);
        var agent = await ScalarAsync<string>(app, "SELECT AssignedAgentId FROM tasks WHERE AssignedAgentId IS NOT NULL LIMIT 1");
        var open = Enum.GetValues<WorkItemStatus>().Where(s => s is not (WorkItemStatus.Completed or WorkItemStatus.Cancelled)).ToList();
        View[] views =
        [
            new("all", "", "1", new TaskSearch()),
            new("status=pending", "status=pending", "Status = 'Pending'", new TaskSearch { Statuses = [WorkItemStatus.Pending] }),
            new("status=failed", "status=failed", "Status = 'Failed'", new TaskSearch { Statuses = [WorkItemStatus.Failed] }),
            new("status=pending,failed", "status__in=pending,failed", "Status IN ('Pending', 'Failed')", new TaskSearch { Statuses = [WorkItemStatus.Pending, WorkItemStatus.Failed] }),
            new("open only", "status__in=" + string.Join(',', open.Select(s => s.Wire())), "Status NOT IN ('Completed', 'Cancelled')", new TaskSearch { OpenOnly = true }),
            new("type=testing", "task_type=testing", "Kind = 'Testing'", new TaskSearch { Kinds = [WorkItemKind.Testing] }),
            new("type=testing,bug_fix", "task_type__in=testing,bug_fix", "Kind IN ('Testing', 'BugFix')", new TaskSearch { Kinds = [WorkItemKind.Testing, WorkItemKind.BugFix] }),
            new("priority=high", "priority=high", "Priority = 3", new TaskSearch { Priorities = [WorkItemPriority.High] }),
            new("agent", $"assigned_agent={agent}", $"AssignedAgentId = '{agent}'", new TaskSearch { AgentId = Guid.Parse(agent!) }),
            new("needs attention", "needs_attention=true", "NeedsAttention", new TaskSearch { NeedsAttention = true }),
            new("sort -created_on", "ordering=-created_on", "1", new TaskSearch { SortBy = "created_on" }),
            new("sort created_on", "ordering=created_on", "1", new TaskSearch { SortBy = "created_on", Descending = false }),
            new("sort status", "ordering=status", "1", new TaskSearch { SortBy = "status", Descending = false }),
            new("sort -escalation_level", "ordering=-escalation_level", "1", new TaskSearch { SortBy = "escalation_level" }),
            new("sort due_date", "ordering=due_date", "1", new TaskSearch { SortBy = "due_date", Descending = false }),
            new("sort title", "ordering=title", "1", new TaskSearch { SortBy = "title", Descending = false }),
            new("status=failed newest first", "status=failed&ordering=-created_on", "Status = 'Failed'", new TaskSearch { Statuses = [WorkItemStatus.Failed], SortBy = "created_on" }),
            new("open only newest first", "status__in=" + string.Join(',', open.Select(s => s.Wire())) + "&ordering=-created_on", "Status NOT IN ('Completed', 'Cancelled')", new TaskSearch { OpenOnly = true, SortBy = "created_on" }),
            new("agent newest first", $"assigned_agent={agent}&ordering=-created_on", $"AssignedAgentId = '{agent}'", new TaskSearch { AgentId = Guid.Parse(agent!), SortBy = "created_on" }),
        ];

        Console.WriteLine($"Database holds {count:N0} tasks; warming up…");
        Console.WriteLine($"warmed up with {await SteadyState.WarmUpAsync(() => GetAsync(client, Tasks))} requests");
        var timed = new List<ViewTiming>();

        Console.WriteLine("API, 20 rows a page:");
        foreach (var view in views)
        {
            var url = view.Query.Length == 0 ? $"{Tasks}?page_size=20" : $"{Tasks}?{view.Query}&page_size=20";
            timed.Add(await TimedAsync($"{view.Name}: first page", () => GetAsync(client, url), requests));

            var matches = await ScalarAsync<long>(app, $"SELECT COUNT(*) FROM tasks WHERE {view.Where}");
            if (matches < 80)
            {
                continue; // no deep page to speak of
            }

            var jump = (int)Math.Clamp(matches / 2 / 20, 2, 20_000);
            var watch = Stopwatch.StartNew();
            var deep = (string?)(await GetAsync(client, $"{url}&page={jump}"))["next"];
            Console.WriteLine($"  {view.Name}: page {jump:N0} of {matches:N0} matches by number (skips {(jump - 1) * 20:N0} rows), once: {watch.Elapsed.TotalMilliseconds:F0} ms");
            if (deep is null)
            {
                continue;
            }

            timed.Add(await TimedAsync($"{view.Name}: page {jump + 1:N0} by cursor", () => GetAsync(client, deep), requests));
            var next = deep;
            timed.Add(await TimedAsync($"{view.Name}: following next from there",
                async () => next = (string?)(await GetAsync(client, next!))["next"] ?? deep, Math.Min(requests, 200)));
        }

        Console.WriteLine("Console (TaskQueries), 25 rows a page:");
        var queries = app.Services.GetRequiredService<TaskQueries>();
        foreach (var view in views)
        {
            var search = view.Search;
            timed.Add(await TimedAsync($"{view.Name}: first page", () => queries.PageAsync(search, null, 25, CancellationToken.None), requests));
            var first = await queries.PageAsync(search, null, 25, CancellationToken.None);
            var at = first;
            timed.Add(await TimedAsync($"{view.Name}: following next",
                async () => at = at.Next is { } n ? await queries.PageAsync(search, n.Cursor, 25, CancellationToken.None) : first, Math.Min(requests, 200)));
            if (first.Last is not { } last)
            {
                continue;
            }

            timed.Add(await TimedAsync($"{view.Name}: last page", () => queries.PageAsync(search, last.Cursor, 25, CancellationToken.None), requests));
            var end = await queries.PageAsync(search, last.Cursor, 25, CancellationToken.None);
            at = end;
            timed.Add(await TimedAsync($"{view.Name}: following previous from the last page",
                async () => at = at.Previous is { } p ? await queries.PageAsync(search, p.Cursor, 25, CancellationToken.None) : end, Math.Min(requests, 200)));
        }

        var cold = timed.MaxBy(t => t.FirstMs)!;
        var worst = timed.MaxBy(t => t.P99)!;
        Console.WriteLine($"slowest first request of a view (its query compiled, once per process; not in the p99): {cold.FirstMs:F0} ms ({cold.Name})");
        Console.WriteLine($"worst p99: {worst.P99:F2} ms ({worst.Name}); goal ≤ {GoalMs} ms: {(worst.P99 <= GoalMs ? "met" : "not met")}");
    }

    /// <summary>A view's first request (its query compiled) and the p99 of the requests after it, in milliseconds.</summary>
    private sealed record ViewTiming(string Name, double FirstMs, double P99);

    /// <summary>
    /// One request of a view first, timed on its own: a query shape is compiled (EF's translation, SQLite's plan) the first
    /// time a process runs it, 20–110 ms here, then never again. The p99 of the <paramref name="requests"/> after it is
    /// the view's steady state, as a running console serves it (SteadyState); the first one's time is printed beside it.
    /// </summary>
    private static async Task<ViewTiming> TimedAsync(string name, Func<Task> request, int requests)
    {
        var watch = Stopwatch.StartNew();
        await request();
        var first = watch.Elapsed.TotalMilliseconds;
        Console.WriteLine($"  {name}: first request {first:F0} ms");
        return new(name, first, ReportP99(name, await SteadyState.TimeAsync(request, requests)));
    }

    private static async Task<JsonObject> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Prints the view's p50/p95/p99 and returns its p99.</summary>
    private static double ReportP99(string name, List<double> samples)
    {
        ApiLoad.Report("  " + name, samples);
        samples.Sort();
        return samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(0.99 * samples.Count) - 1)];
    }

    private static async Task<T?> ScalarAsync<T>(BenchHost app, string sql)
    {
        await using var db = await app.DbAsync();
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T?)Convert.ChangeType(await command.ExecuteScalarAsync(), typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }
}
