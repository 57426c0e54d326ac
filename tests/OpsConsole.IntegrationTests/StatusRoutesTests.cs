using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Features.Health;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>/status/… payloads (reference §10) and /health/.</summary>
public sealed class StatusRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Status_has_the_reference_keys_and_counts_tasks_by_status()
    {
        var before = await admin.GetObjectAsync($"{Routes.Status}status/");
        await admin.CreateTaskAsync($"status {Routes.Tag()}", autoAssign: false);

        var status = await admin.GetObjectAsync($"{Routes.Base}/status/status");

        Assert.Equal(app.Now(), Time(status, "timestamp"));
        var tasks = status["tasks"]!.AsObject();
        foreach (var key in new[] { "total", "pending", "assigned", "in_progress", "completed", "failed", "escalated" })
        {
            Assert.True(tasks.ContainsKey(key), $"status.tasks lacks '{key}': {tasks.ToJsonString()}");
        }

        Assert.Equal((int)before["tasks"]!["total"]! + 1, (int?)tasks["total"]);
        Assert.Equal((int)before["tasks"]!["pending"]! + 1, (int?)tasks["pending"]);
        var agents = status["agents"]!.AsObject();
        foreach (var key in new[] { "total", "available", "busy", "offline", "error" })
        {
            Assert.True(agents.ContainsKey(key), $"status.agents lacks '{key}'");
        }

        Assert.True((int?)agents["total"] >= 5);
        var health = status["system_health"]!.AsObject();
        Assert.Contains((string?)health["status"], new[] { "healthy", "warning", "critical", "unknown" });
        Assert.False(string.IsNullOrWhiteSpace((string?)health["message"]));
    }

    [Fact]
    public async Task Status_recent_activity_uses_the_reference_key_names()
    {
        await admin.CreateTaskAsync($"activity {Routes.Tag()}", autoAssign: false);

        var activity = (await admin.GetObjectAsync($"{Routes.Status}status/"))["recent_activity"]!.AsObject();

        Assert.True(activity.ContainsKey("tasks_created_24h"), $"expected tasks_created_24h in {activity.ToJsonString()}");
        Assert.True(activity.ContainsKey("failures_24h"), $"expected failures_24h in {activity.ToJsonString()}");
        Assert.True((int?)activity["tasks_created_24h"] >= 1);
    }

    [Fact]
    public async Task Dashboard_has_the_reference_keys()
    {
        await admin.CreateTaskAsync($"dashboard {Routes.Tag()}", autoAssign: false);

        var dashboard = await admin.GetObjectAsync($"{Routes.Status}dashboard/");

        Assert.Equal(app.Now(), Time(dashboard, "timestamp"));
        var tasks = dashboard["tasks"]!.AsObject();
        foreach (var key in new[] { "recent_24h", "pending", "assigned", "in_progress", "completed_today", "failed_today" })
        {
            Assert.True(tasks.ContainsKey(key), $"dashboard.tasks lacks '{key}': {tasks.ToJsonString()}");
        }

        Assert.True((int?)tasks["pending"] >= 1);
        foreach (var key in new[] { "total", "available", "busy", "offline" })
        {
            Assert.True(dashboard["agents"]!.AsObject().ContainsKey(key), $"dashboard.agents lacks '{key}'");
        }

        Assert.NotNull(dashboard["recent_deployment_failures"]);
        Assert.NotNull(dashboard["system_health"]?["status"]);
    }

    [Fact]
    public async Task Metrics_have_24_hourly_buckets_task_types_and_active_agents()
    {
        var tag = Routes.Tag();
        await admin.CreateTaskAsync($"metrics {tag}", taskType: "maintenance", autoAssign: false);
        var done = await admin.CreateTaskAsync($"metrics-done {tag}", taskType: "deployment");
        await admin.PostJsonAsync($"{Routes.Task(Id(done))}complete/", new { }).ObjectAsync();
        app.Time.Advance(TimeSpan.FromMinutes(1));

        var metrics = await admin.GetObjectAsync($"{Routes.Status}metrics/");

        var hours = metrics["recent_activity"]!.AsArray();
        Assert.Equal(24, hours.Count);
        Assert.Equal(Enumerable.Range(0, 24), hours.Select(h => (int)h!["hour"]!));
        Assert.Equal(app.Now(), Time(hours[0]!, "timestamp"));
        Assert.Equal(app.Now().AddHours(-23), Time(hours[23]!, "timestamp"));
        Assert.True((int)hours[0]!["tasks_created"]! >= 2);
        Assert.True((int)hours[0]!["tasks_completed"]! >= 1);
        Assert.True(hours[0]!.AsObject().ContainsKey("tasks_failed"));

        var types = metrics["task_types"]!.AsArray().ToDictionary(t => Str(t!, "task_type"));
        Assert.True((int)types["maintenance"]!["total"]! >= 1);
        Assert.True((int)types["deployment"]!["completed"]! >= 1);
        Assert.True(types["deployment"]!.AsObject().ContainsKey("failed"));

        var agents = metrics["agents"]!.AsArray();
        Assert.Contains(agents, a => (string?)a!["name"] == "DeploymentAgent-Primary");
        Assert.All(agents, a =>
        {
            foreach (var key in new[] { "id", "name", "agent_type", "status", "success_rate", "total_tasks_completed", "total_tasks_failed" })
            {
                Assert.True(a!.AsObject().ContainsKey(key), $"metrics agent lacks '{key}'");
            }
        });
    }

    [Fact]
    public async Task Process_pending_tasks_assigns_waiting_tasks_and_says_how_many()
    {
        var answer = await admin.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();

        Assert.Equal("Processed pending tasks", (string?)answer["message"]);
        Assert.True((int?)answer["assigned_count"] >= 0);
        await (await admin.PostEmptyAsync($"{Routes.Base}/status/process_pending_tasks")).ExpectAsync(HttpStatusCode.OK);
    }

    private Task SnapshotAsync() =>
        app.Services.GetRequiredService<HealthService>().SnapshotAsync(dryRun: false, CancellationToken.None);

    [Fact]
    public async Task Health_lists_the_latest_snapshot_and_the_whole_history_on_request()
    {
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var earlier = app.Now();
        await SnapshotAsync();
        app.Time.Advance(TimeSpan.FromMinutes(5));
        await SnapshotAsync();

        var latest = await admin.GetObjectAsync($"{Routes.Base}/health");
        var history = await admin.GetObjectAsync($"{Routes.Health}?history=true&page_size=100");

        var samples = Results(latest);
        Assert.True(samples.Count >= 4, latest.ToJsonString());
        Assert.Equal(samples.Count, (int?)latest["count"]);
        Assert.All(samples, s => Assert.Equal(app.Now(), Time(s, "last_check")));
        Assert.Contains(samples, s => (string?)s["component"] == "agents" && (string?)s["metric_name"] == "availability");
        Assert.Contains(samples, s => (string?)s["component"] == "task_queue" && (string?)s["metric_name"] == "pending_tasks");
        foreach (var field in new[] { "id", "component", "metric_name", "metric_value", "status", "threshold_warning", "threshold_critical", "last_check", "created_on", "modified_on" })
        {
            Assert.True(samples[0].ContainsKey(field), $"health sample lacks '{field}'");
        }

        // The whole history holds both snapshots, each with every component. (The snapshot the app takes at start may run
        // late on a busy machine, at the same fake time as one of these: count metrics, not rows.)
        static HashSet<string> Metrics(IEnumerable<System.Text.Json.Nodes.JsonObject> rows) => rows.Select(s => $"{s["component"]}.{s["metric_name"]}").ToHashSet();
        var whole = Results(history);
        Assert.True((int)history["count"]! >= whole.Count, history.ToJsonString());
        Assert.Equal(Metrics(samples), Metrics(whole.Where(s => Time(s, "last_check") == earlier)));
        Assert.Equal(Metrics(samples), Metrics(whole.Where(s => Time(s, "last_check") == app.Now())));
    }

    [Fact]
    public async Task Health_detail_answers_by_id_and_404_for_an_unknown_id()
    {
        await SnapshotAsync();
        var listed = Results(await admin.GetObjectAsync(Routes.Health))[0];

        var sample = await admin.GetObjectAsync($"{Routes.Base}/health/{Id(listed)}");

        Assert.Equal(Id(listed), Id(sample));
        Assert.Equal((string?)listed["component"], (string?)sample["component"]);
        await admin.GetAsync($"{Routes.Health}{Guid.NewGuid()}/").ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task System_health_in_the_status_rolls_up_a_fresh_snapshot()
    {
        await SnapshotAsync();

        var health = (await admin.GetObjectAsync($"{Routes.Status}status/"))["system_health"]!;

        Assert.NotEqual("unknown", (string?)health["status"]);
        Assert.Contains((string?)health["status"], new[] { "healthy", "warning", "critical" });
    }
}
