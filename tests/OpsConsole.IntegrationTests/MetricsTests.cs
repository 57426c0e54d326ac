using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>The app with a node name of its own, as the second of two nodes would have.</summary>
public sealed class MetricsApp : OpsConsoleFactory
{
    public const string Node = "ops-node-a";

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:NodeName", Node)];
}

/// <summary>The same on PostgreSQL, where the metrics' grouped counts are translated by another provider.</summary>
public sealed class PostgresMetricsApp : PostgresOpsConsoleFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("OpsConsole:NodeName", MetricsApp.Node)];
}

public sealed class SqliteMetricsTests(MetricsApp app) : MetricsTests(app), IClassFixture<MetricsApp>;

public sealed class PostgresMetricsTests(PostgresMetricsApp app) : MetricsTests(app), IClassFixture<PostgresMetricsApp>;

/// <summary>
/// GET /metrics as Prometheus scrapes it (a Viewer API key as bearer), read as a Prometheus user reads the series: by name and
/// labels, values compared between two scrapes.
/// </summary>
public abstract class MetricsTests(OpsConsoleFactory app)
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task A_viewer_key_scrapes_the_consoles_runtime_and_http_series_each_labelled_with_the_node()
    {
        await admin.GetAsync(Routes.Agents);
        var scrape = await ScrapeAsync();

        foreach (var name in (string[])["opsconsole_agents", "opsconsole_agent_active_tasks", "opsconsole_agent_max_tasks", "opsconsole_github_outbox_backlog",
            "opsconsole_circuits", "opsconsole_hub_connections", "http_server_request_duration_seconds_count", "dotnet_gc_collections_total"])
        {
            Assert.True(scrape.Has(name), $"{name} is not in the scrape");
        }

        Assert.All(scrape.Samples.Where(s => s.Name.StartsWith("opsconsole_", StringComparison.Ordinal)), s => Assert.Equal(MetricsApp.Node, s.Labels.GetValueOrDefault("node")));
        var agents = Results(await admin.GetObjectAsync($"{Routes.Agents}?page_size=100"));
        Assert.Equal(agents.Count, scrape.Sum("opsconsole_agents"));
        Assert.All(agents, a => Assert.Equal((double)a["max_concurrent_tasks"]!, scrape.Sum("opsconsole_agent_max_tasks", ("agent", Str(a, "name")))));
    }

    [Fact]
    public async Task The_work_this_node_does_for_the_installation_shows_as_the_leases_it_holds()
    {
        // Reading the deployment log takes its lease (one node of an installation reads it at a time).
        await admin.PostAsync($"{Routes.Status}check_deployment_failures/", null);

        var scrape = await ScrapeAsync();

        Assert.Equal(1, scrape.Sum("opsconsole_leases_held", ("lease", "deployment-log")));
    }

    [Fact]
    public async Task Only_people_and_keys_with_a_role_may_scrape_anonymous_is_401_and_an_agent_token_403()
    {
        var (_, token, _) = await admin.CreateAgentAsync($"metrics-agent-{Routes.Tag()}");

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClientWithToken(null).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.CreateClientWithToken(token).GetAsync("/metrics")).StatusCode);
        var answer = await (await app.CreateClientAsync(ApiRole.Viewer)).GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("text/plain", answer.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Failures_retries_and_escalations_count_at_once_and_open_tasks_follow_within_the_cache_period()
    {
        await app.HeartbeatAllAsync();
        app.Time.Advance(MetricsSnapshot.MaxAge); // a fresh read, whatever an earlier scrape left cached
        var before = await ScrapeAsync();

        var failing = Id(await admin.CreateTaskAsync($"metrics failing {Routes.Tag()}"));
        var escalating = Id(await admin.CreateTaskAsync($"metrics escalating {Routes.Tag()}", priority: "low", autoAssign: false));
        var deployment = $"deploy-{Routes.Tag()}";
        foreach (var _ in Enumerable.Range(0, 2))
        {
            await admin.PostJsonAsync($"{Routes.Base}/failures/", new { deployment_id = deployment, error_message = "Deployment failed: exit 1", failed_step = "deploy" })
                .ObjectAsync(HttpStatusCode.Accepted);
        }

        await admin.PostJsonAsync($"{Routes.Task(failing)}fail/", new { error_message = "tests are red" }).ObjectAsync();
        await admin.PostJsonAsync($"{Routes.Task(escalating)}escalate/", new { reason = "customer waiting" }).ObjectAsync();

        var counted = await ScrapeAsync();
        Assert.Equal(1, counted.Sum("opsconsole_failures_received_total", ("outcome", "created"), ("channel", "failure_api")) - before.Sum("opsconsole_failures_received_total", ("outcome", "created"), ("channel", "failure_api")));
        Assert.Equal(1, counted.Sum("opsconsole_failures_received_total", ("outcome", "deduplicated")) - before.Sum("opsconsole_failures_received_total", ("outcome", "deduplicated")));
        Assert.Equal(1, counted.Sum("opsconsole_task_retries_total", ("trigger", "automatic")) - before.Sum("opsconsole_task_retries_total", ("trigger", "automatic")));
        Assert.Equal(1, counted.Sum("opsconsole_task_escalations_total", ("trigger", "manual")) - before.Sum("opsconsole_task_escalations_total", ("trigger", "manual")));

        // The levels come from one read of the database every few seconds, not one per change.
        Assert.Equal(before.Sum("opsconsole_tasks_open"), counted.Sum("opsconsole_tasks_open"));
        app.Time.Advance(MetricsSnapshot.MaxAge);
        var after = await ScrapeAsync();
        Assert.Equal(3, after.Sum("opsconsole_tasks_open") - before.Sum("opsconsole_tasks_open"));
        Assert.Equal(await OpenTasksAsync(), after.Series("opsconsole_tasks_open", "status", "priority"));
        Assert.Equal("medium", Str(await admin.GetTaskAsync(escalating), "priority")); // so the low task moved to another series
        foreach (var agent in Results(await admin.GetObjectAsync($"{Routes.Agents}?page_size=100")))
        {
            Assert.Equal((double)agent["current_task_count"]!, after.Sum("opsconsole_agent_active_tasks", ("agent", Str(agent, "name"))));
        }
    }

    [Fact]
    public async Task Assignment_latency_is_the_seconds_a_task_waited_from_creation_to_its_agent()
    {
        var before = await ScrapeAsync();
        var task = Id(await admin.CreateTaskAsync($"metrics waiting {Routes.Tag()}", autoAssign: false));

        app.Time.Advance(TimeSpan.FromSeconds(90));
        await app.HeartbeatAllAsync();
        await admin.PostJsonAsync($"{Routes.Task(task)}assign/", new { }).ObjectAsync();

        var after = await ScrapeAsync();
        Assert.Equal(1, after.Sum("opsconsole_assignment_latency_seconds_count") - before.Sum("opsconsole_assignment_latency_seconds_count"));
        Assert.Equal(0, after.Sum("opsconsole_assignment_latency_seconds_bucket", ("le", "60")) - before.Sum("opsconsole_assignment_latency_seconds_bucket", ("le", "60")));
        Assert.Equal(1, after.Sum("opsconsole_assignment_latency_seconds_bucket", ("le", "300")) - before.Sum("opsconsole_assignment_latency_seconds_bucket", ("le", "300")));
        Assert.Equal(90, after.Sum("opsconsole_assignment_latency_seconds_sum") - before.Sum("opsconsole_assignment_latency_seconds_sum"), precision: 3);
    }

    [Fact]
    public async Task An_agent_connected_to_the_hub_is_a_hub_connection_of_kind_agent()
    {
        var before = await ScrapeAsync();
        var (_, token, _) = await admin.CreateAgentAsync($"metrics-hub-{Routes.Tag()}");
        await using var hub = TestAgent.HubFor(app, token);
        await hub.StartAsync();
        await hub.InvokeAsync<System.Text.Json.JsonElement>("Heartbeat"); // the connection has been fully accepted once a call is answered

        var after = await ScrapeAsync();
        Assert.Equal(1, after.Sum("opsconsole_hub_connections", ("kind", "agent")) - before.Sum("opsconsole_hub_connections", ("kind", "agent")));
        Assert.Equal(before.Sum("opsconsole_hub_connections", ("kind", "client")), after.Sum("opsconsole_hub_connections", ("kind", "client")));
    }

    /// <summary>The open tasks as the task list shows them, counted by status and priority.</summary>
    private async Task<Dictionary<string, double>> OpenTasksAsync()
    {
        var page = await admin.GetObjectAsync($"{Routes.Tasks}?page_size=100");
        Assert.True((int)page["count"]! <= 100, "the test counts one page of tasks");
        return Results(page).Where(t => Str(t, "status") is not ("completed" or "cancelled"))
            .GroupBy(t => $"{Str(t, "status")}/{Str(t, "priority")}")
            .ToDictionary(g => g.Key, g => (double)g.Count());
    }

    private async Task<Scrape> ScrapeAsync()
    {
        using var viewer = await app.CreateClientAsync(ApiRole.Viewer);
        var response = await viewer.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Scrape.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The Prometheus text format, simply: <c>name{label="value",…} number</c> per line, comments skipped.</summary>
    private sealed record Scrape(IReadOnlyList<Scrape.Sample> Samples)
    {
        public sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

        public static Scrape Parse(string text)
        {
            var samples = new List<Sample>();
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith('#')))
            {
                var valueAt = line.LastIndexOf(' ');
                var series = line[..valueAt];
                var brace = series.IndexOf('{');
                var labels = brace < 0 ? new Dictionary<string, string>() : series[(brace + 1)..^1]
                    .Split("\",", StringSplitOptions.RemoveEmptyEntries)
                    .Select(pair => pair.Split("=\"", 2))
                    .ToDictionary(kv => kv[0], kv => kv[1].TrimEnd('"'));
                samples.Add(new(brace < 0 ? series : series[..brace], labels, double.Parse(line[(valueAt + 1)..], CultureInfo.InvariantCulture)));
            }

            return new(samples);
        }

        public bool Has(string name) => Samples.Any(s => s.Name == name);

        /// <summary>The sum over the series of <paramref name="name"/> that carry every label given (0 when there is none, as before a first count).</summary>
        public double Sum(string name, params (string Label, string Value)[] labels) =>
            Samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Sum(s => s.Value);

        /// <summary>The non-zero series of <paramref name="name"/> keyed by the values of <paramref name="by"/>, joined with '/'.</summary>
        public Dictionary<string, double> Series(string name, params string[] by) =>
            Samples.Where(s => s.Name == name && s.Value != 0)
                .ToDictionary(s => string.Join('/', by.Select(b => s.Labels.GetValueOrDefault(b))), s => s.Value);
    }
}
