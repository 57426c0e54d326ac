using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Every /agents/ route answers with the right status and payload (each test creates the agents it changes).</summary>
public sealed class AgentRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private static string Name() => $"Agent-{Guid.NewGuid():N}"[..20];

    [Fact]
    public async Task Agent_list_answers_with_the_envelope_ordered_by_weight_with_or_without_the_trailing_slash()
    {
        foreach (var url in new[] { $"{Routes.Base}/agents", $"{Routes.Base}/agents/" })
        {
            var page = await admin.GetObjectAsync(url + "?agent_type__in=deployment,monitoring,general");
            var names = Results(page).Select(a => (string?)a["name"]).ToList();
            Assert.Equal("DeploymentAgent-Primary", names[0]);
            Assert.Equal(["DeploymentAgent-Primary", "MonitoringAgent-System", "GeneralAgent-Backup"], names.Where(n => n is "DeploymentAgent-Primary" or "MonitoringAgent-System" or "GeneralAgent-Backup"));
            Assert.Equal(names.Count, (int?)page["count"]);
            var primary = Results(page).First();
            foreach (var field in new[] { "id", "name", "agent_type", "status", "capabilities", "max_concurrent_tasks", "priority_weight", "success_rate", "average_completion_time", "last_heartbeat", "endpoint_url", "configuration", "total_tasks_completed", "total_tasks_failed", "is_active", "created_on", "modified_on", "current_task_count", "is_available_for_assignment", "efficiency_score", "environments", "heartbeat_age_seconds" })
            {
                Assert.True(primary.ContainsKey(field), $"agent lacks '{field}'");
            }

            Assert.False(primary.ContainsKey("token"));
        }
    }

    [Fact]
    public async Task Agent_list_filters_by_type_status_and_search()
    {
        var (maintained, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);
        await admin.UpdateAgentStatusAsync(maintained, "set_maintenance");

        var deployment = Results(await admin.GetObjectAsync($"{Routes.Agents}?agent_type=deployment"));
        var inMaintenance = Results(await admin.GetObjectAsync($"{Routes.Agents}?status=maintenance"));
        var github = Results(await admin.GetObjectAsync($"{Routes.Agents}?search=github"));

        Assert.Equal(["DeploymentAgent-Primary"], deployment.Select(a => (string?)a["name"]));
        Assert.Contains(inMaintenance, a => Id(a) == maintained);
        Assert.All(inMaintenance, a => Assert.Equal("maintenance", (string?)a["status"]));
        Assert.Contains(github, a => (string?)a["name"] == "GitHubAgent-Issues");
        Assert.Contains(github, a => (string?)a["name"] == "GeneralAgent-Backup");
        Assert.DoesNotContain(github, a => (string?)a["name"] == "DeploymentAgent-Primary");
    }

    [Fact]
    public async Task Seeded_agents_are_the_five_agents_of_the_seed_with_their_capacities_and_weights()
    {
        var agents = Results(await admin.GetObjectAsync($"{Routes.Agents}?page_size=100")).ToDictionary(a => Str(a, "name"));

        (string Name, string Type, int Max, double Weight)[] expected =
        [
            ("DeploymentAgent-Primary", "deployment", 5, 8.0),
            ("GitHubAgent-Issues", "github", 10, 6.0),
            ("CodeAgent-Emergency", "code", 3, 7.0),
            ("MonitoringAgent-System", "monitoring", 8, 5.0),
            ("GeneralAgent-Backup", "general", 4, 4.0),
        ];
        Assert.Equal(expected.Length, agents.Values.Count(a => expected.Any(e => e.Name == Str(a, "name"))));
        foreach (var (name, type, max, weight) in expected)
        {
            Assert.True(agents.ContainsKey(name), $"seeded agent {name} is missing; agents: {string.Join(", ", agents.Keys)}");
            Assert.Equal(type, (string?)agents[name]["agent_type"]);
            Assert.Equal(max, (int?)agents[name]["max_concurrent_tasks"]);
            Assert.Equal(weight, (double?)agents[name]["priority_weight"]);
        }
    }

    [Fact]
    public async Task Creating_an_agent_answers_201_with_the_agent_and_its_token_shown_once()
    {
        var name = Name();
        var response = await admin.PostJsonAsync($"{Routes.Base}/agents", new
        {
            name,
            agent_type = "code",
            capabilities = new[] { "bug_fix", "testing" },
            max_concurrent_tasks = 2,
            priority_weight = 2.5,
            endpoint_url = "https://agents.example.test/hook",
            configuration = new { region = "eu" },
            environments = new[] { "production" },
        });

        await response.ExpectAsync(HttpStatusCode.Created);
        var created = await response.ReadObjectAsync();
        Assert.Equal($"/api/v1/orchestration/agents/{Id(created)}/", response.Headers.Location?.OriginalString);
        Assert.StartsWith("opa_", Str(created, "token"));
        Assert.Equal(name, (string?)created["name"]);
        Assert.Equal("code", (string?)created["agent_type"]);
        Assert.Equal(["bug_fix", "testing"], created["capabilities"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(2, (int?)created["max_concurrent_tasks"]);
        Assert.Equal(2.5, (double?)created["priority_weight"]);
        Assert.Equal("eu", (string?)created["configuration"]?["region"]);
        Assert.Equal("available", (string?)created["status"]);
        Assert.True((bool)created["is_active"]!);

        var detail = await admin.GetAgentAsync(Id(created));
        Assert.False(detail.ContainsKey("token"), "the token is shown only once, on creation");
        Assert.Equal(name, (string?)detail["name"]);
    }

    [Fact]
    public async Task Agent_detail_answers_with_or_without_the_trailing_slash()
    {
        var primary = await app.AgentIdAsync("DeploymentAgent-Primary");

        foreach (var url in new[] { $"{Routes.Base}/agents/{primary}", $"{Routes.Base}/agents/{primary}/" })
        {
            var agent = await admin.GetObjectAsync(url);
            Assert.Equal("DeploymentAgent-Primary", (string?)agent["name"]);
            Assert.Equal(["deployment", "system_monitoring"], agent["capabilities"]!.AsArray().Select(c => (string?)c));
        }
    }

    [Fact]
    public async Task Put_replaces_an_agents_settings()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);
        var renamed = Name();

        var agent = await admin.PutJsonAsync(Routes.Agent(id), new { name = renamed, agent_type = "general", capabilities = new[] { "documentation" }, max_concurrent_tasks = 7, priority_weight = 3.0 })
            .ObjectAsync();

        Assert.Equal(renamed, (string?)agent["name"]);
        Assert.Equal("general", (string?)agent["agent_type"]);
        Assert.Equal(["documentation"], agent["capabilities"]!.AsArray().Select(c => (string?)c));
        Assert.Equal(7, (int?)agent["max_concurrent_tasks"]);
        Assert.Equal(renamed, (string?)(await admin.GetAgentAsync(id))["name"]);
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent()
    {
        var name = Name();
        var (id, _, _) = await admin.CreateAgentAsync(name, "testing", ["testing"], maxConcurrentTasks: 2, priorityWeight: 1.5);

        var agent = await admin.PatchJsonAsync(Routes.Agent(id), new { max_concurrent_tasks = 9 }).ObjectAsync();

        Assert.Equal(9, (int?)agent["max_concurrent_tasks"]);
        Assert.Equal(name, (string?)agent["name"]);
        Assert.Equal(1.5, (double?)agent["priority_weight"]);
    }

    [Fact]
    public async Task Deleting_an_agent_answers_204_and_puts_its_tasks_back_in_the_queue()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "general");
        var task = await admin.CreateTaskAsync($"held {Routes.Tag()}", autoAssign: false);
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { agent_id = id }).ObjectAsync();

        await (await admin.DeleteAsync(Routes.Agent(id))).ExpectAsync(HttpStatusCode.NoContent);

        await admin.GetAsync(Routes.Agent(id)).ProblemAsync(HttpStatusCode.NotFound);
        var after = await admin.GetTaskAsync(Id(task));
        Assert.Equal("pending", (string?)after["status"]);
        Assert.Null(after["assigned_agent"]);
    }

    [Theory]
    [InlineData("deactivate", "offline", false)]
    [InlineData("set_maintenance", "maintenance", true)]
    [InlineData("set_offline", "offline", true)]
    [InlineData("set_available", "available", true)]
    [InlineData("set_error", "error", true)]
    public async Task Update_status_applies_the_action_and_answers_with_the_new_status(string action, string status, bool active)
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);

        var answer = await admin.UpdateAgentStatusAsync(id, action);

        Assert.Equal($"Agent status updated: {action}", (string?)answer["message"]);
        Assert.Equal(status, (string?)answer["new_status"]);
        Assert.Equal(active, (bool)answer["is_active"]!);
        var agent = await admin.GetAgentAsync(id);
        Assert.Equal(status, (string?)agent["status"]);
        Assert.Equal(active, (bool)agent["is_active"]!);
    }

    [Fact]
    public async Task Update_status_activate_brings_a_deactivated_agent_back_available()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);
        await admin.UpdateAgentStatusAsync(id, "deactivate");

        var answer = await admin.UpdateAgentStatusAsync(id, "activate");

        Assert.Equal("available", (string?)answer["new_status"]);
        Assert.True((bool)answer["is_active"]!);
    }

    /// <remarks>
    /// Busy is not a state one sets: the engine derives it from the agent's load (AgentOperations refuses set_busy), so an
    /// "updated" answer would leave the agent taking new work. The agent here holds nothing (the class's other tasks are not
    /// auto-assigned), so its load is 0 of 3.
    /// </remarks>
    [Fact]
    public async Task Update_status_set_busy_is_refused_saying_busy_follows_the_load_and_leaves_the_agent_available()
    {
        var name = Name();
        var (id, _, _) = await admin.CreateAgentAsync(name, "testing", ["testing"]);

        var problem = await admin.PostJsonAsync($"{Routes.Agent(id)}update_status/", new { action = "set_busy" }).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal($"busy follows the agent's load (0/3); to stop giving {name} work, use set_maintenance or lower max_concurrent_tasks", (string?)problem["detail"]);
        var agent = await admin.GetAgentAsync(id);
        Assert.Equal("available", (string?)agent["status"]);
        Assert.True((bool)agent["is_available_for_assignment"]!);
    }

    [Fact]
    public async Task Update_status_with_an_unknown_action_is_refused_listing_the_actions()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);

        var problem = await admin.PostJsonAsync($"{Routes.Agent(id)}update_status/", new { action = "explode" }).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("set_maintenance", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Rotate_token_answers_with_a_new_token()
    {
        var (id, token, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);

        var answer = await admin.PostEmptyAsync($"{Routes.Agent(id)}rotate_token/").ObjectAsync();

        Assert.StartsWith("opa_", Str(answer, "token"));
        Assert.NotEqual(token, Str(answer, "token"));
    }

    [Fact]
    public async Task Heartbeat_answers_with_the_time_it_recorded()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "testing", ["testing"]);
        app.Time.Advance(TimeSpan.FromSeconds(5));

        var answer = await admin.PostEmptyAsync($"{Routes.Agent(id)}heartbeat/").ObjectAsync();

        Assert.Equal("Heartbeat updated", (string?)answer["message"]);
        Assert.Equal(app.Now(), Time(answer, "timestamp"));
        Assert.Equal(app.Now(), Time(await admin.GetAgentAsync(id), "last_heartbeat"));
    }

    [Fact]
    public async Task Current_tasks_and_task_history_list_what_the_agent_holds_and_held()
    {
        var (id, _, _) = await admin.CreateAgentAsync(Name(), "general");
        var held = await admin.CreateTaskAsync($"held {Routes.Tag()}", autoAssign: false);
        var done = await admin.CreateTaskAsync($"done {Routes.Tag()}", autoAssign: false);
        await admin.PostJsonAsync($"{Routes.Task(Id(held))}assign/", new { agent_id = id }).ObjectAsync();
        await admin.PostJsonAsync($"{Routes.Task(Id(done))}assign/", new { agent_id = id }).ObjectAsync();
        await admin.PostJsonAsync($"{Routes.Task(Id(done))}complete/", new { }).ObjectAsync();

        var current = await admin.GetArrayAsync($"{Routes.Agent(id)}current_tasks/");
        var history = await admin.GetArrayAsync($"{Routes.Agent(id)}task_history/");

        Assert.Equal([Id(held)], current.Select(t => Id(t!)));
        Assert.Equal(new[] { Id(held), Id(done) }.Order(), history.Select(t => Id(t!)).Order());
    }

    [Fact]
    public async Task Agent_routes_for_an_unknown_agent_answer_404()
    {
        var unknown = Guid.NewGuid();

        await admin.GetAsync(Routes.Agent(unknown)).ProblemAsync(HttpStatusCode.NotFound);
        await admin.PostEmptyAsync($"{Routes.Agent(unknown)}heartbeat/").ProblemAsync(HttpStatusCode.NotFound);
        await admin.GetAsync($"{Routes.Agent(unknown)}current_tasks/").ProblemAsync(HttpStatusCode.NotFound);
        await admin.GetAsync($"{Routes.Agent(unknown)}task_history/").ProblemAsync(HttpStatusCode.NotFound);
        await admin.PostEmptyAsync($"{Routes.Agent(unknown)}rotate_token/").ProblemAsync(HttpStatusCode.NotFound);
        await admin.PatchJsonAsync(Routes.Agent(unknown), new { max_concurrent_tasks = 2 }).ProblemAsync(HttpStatusCode.NotFound);
        await admin.DeleteAsync(Routes.Agent(unknown)).ProblemAsync(HttpStatusCode.NotFound);
    }
}
