using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Load drivers against the real app (in-process host, real SQLite file): create+assign with 100k open tasks (the task
/// list over 1M tasks is <see cref="ListLoad"/>). Prints p50/p95/p99 in milliseconds.
/// </summary>
public static class ApiLoad
{
    public static async Task CreateAndAssignAsync(int openTasks, int requests)
    {
        using var app = new BenchHost();
        var client = app.Client();
        await BulkInsertTasksAsync(app, openTasks);
        Console.WriteLine($"Database holds {openTasks:N0} open tasks; posting {requests} critical deployment tasks…");
        var body = """{"title":"Bench deploy failure","description":"x","task_type":"deployment","priority":"critical"}""";
        async Task Post()
        {
            using var response = await client.PostAsync("/api/v1/orchestration/tasks/", Json(body));
            response.EnsureSuccessStatusCode();
        }

        Console.WriteLine($"warmed up with {await SteadyState.WarmUpAsync(Post)} requests");
        var samples = await SteadyState.TimeAsync(Post, requests);
        Report("create+assign POST /tasks/", samples);
    }

    /// <summary>Prints the percentiles of <paramref name="samples"/> (milliseconds).</summary>
    internal static void Report(string name, List<double> samples)
    {
        if (samples.Count == 0)
        {
            Console.WriteLine($"{name}: no samples");
            return;
        }

        samples.Sort();
        double P(double q) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(q * samples.Count) - 1)];
        Console.WriteLine($"{name}: n={samples.Count} p50={P(0.50):F2} ms p95={P(0.95):F2} ms p99={P(0.99):F2} ms max={samples[^1]:F2} ms");
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>
    /// Fills the tasks table in one transaction (≈170k rows/s on SQLite), spread over priorities, statuses and types. With
    /// <paramref name="varied"/> it also fills what the console's other filters and orders read: completed tasks keep the
    /// agent that did them, one in 1,000 needs attention, one in 50 was escalated, half the finished ones had a due date.
    /// </summary>
    internal static async Task BulkInsertTasksAsync(BenchHost app, int count, bool varied = false)
    {
        var watch = Stopwatch.StartNew();
        await using var db = await app.DbAsync();
        var agents = varied ? await db.Agents.OrderBy(a => a.Name).Select(a => a.Id).ToListAsync() : [];
        var connection = (SqliteConnection)db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO tasks (Id, Title, Description, Kind, Priority, Status, EstimatedDuration, InputData, OutputData, GithubIssueState,
              RetryCount, MaxRetries, EscalationLevel, AutoAssign, AutoRetry, AutoEscalate, CreatedOn, ModifiedOn, Owner, CreatedBy, ModifiedBy,
              Occurrences, NeedsAttention, AssignedAgentId, DueDate)
            VALUES ($id, $title, 'bulk', $kind, $priority, $status, '01:00:00', '{}', '{}', 'None', 0, 3, $level, $auto, 1, 1, $created, $created,
              'bench', 'bench', 'bench', 1, $attention, $agent, $due)
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var title = command.Parameters.Add("$title", SqliteType.Text);
        var kind = command.Parameters.Add("$kind", SqliteType.Text);
        var priority = command.Parameters.Add("$priority", SqliteType.Integer);
        var status = command.Parameters.Add("$status", SqliteType.Text);
        var created = command.Parameters.Add("$created", SqliteType.Text);
        var auto = command.Parameters.Add("$auto", SqliteType.Integer);
        var level = command.Parameters.Add("$level", SqliteType.Integer);
        var attention = command.Parameters.Add("$attention", SqliteType.Integer);
        var agent = command.Parameters.Add("$agent", SqliteType.Text);
        var due = command.Parameters.Add("$due", SqliteType.Text);
        string[] statuses = ["Pending", "Pending", "Pending", "Completed", "Failed", "Cancelled"];
        string[] kinds = ["Deployment", "BugFix", "Testing", "Documentation", "Maintenance"];
        var start = DateTime.UtcNow.AddDays(-30);
        for (var i = 0; i < count; i++)
        {
            var at = start.AddSeconds(i * 2.0);
            id.Value = Guid.NewGuid().ToString().ToUpperInvariant();
            title.Value = $"Bulk task {i}";
            kind.Value = kinds[i % kinds.Length];
            priority.Value = 1 + (i % 5);
            auto.Value = i % 10 == 0 ? 0 : 1; // most tasks wait for an agent; some are held for people
            status.Value = statuses[i % statuses.Length];
            created.Value = at.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
            var finished = varied && i % 6 is 3 or 5;
            level.Value = varied && i % 50 == 0 ? 1 : 0;
            attention.Value = varied && i % 1000 == 0 ? 1 : 0;
            agent.Value = varied && i % 6 == 3 && agents.Count > 0 ? agents[i / 6 % agents.Count].ToString().ToUpperInvariant() : (object)DBNull.Value;
            due.Value = finished && i % 2 == 0 ? at.AddHours(1).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) : (object)DBNull.Value;
            await command.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        Console.WriteLine($"Inserted {count:N0} tasks in {watch.Elapsed.TotalSeconds:F1} s");
    }
}
