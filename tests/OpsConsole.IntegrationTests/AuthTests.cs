using System.Net;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Who may do what with an API key: anonymous, Viewer, Operator and Admin.</summary>
public sealed class AuthTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Theory]
    [InlineData("GET", "/tasks/")]
    [InlineData("POST", "/tasks/")]
    [InlineData("GET", "/agents/")]
    [InlineData("GET", "/assignments/")]
    [InlineData("GET", "/execution-logs/")]
    [InlineData("GET", "/rules/")]
    [InlineData("GET", "/health/")]
    [InlineData("GET", "/status/status/")]
    [InlineData("POST", "/status/process_pending_tasks/")]
    public async Task Requests_without_credentials_get_a_401_problem_saying_how_to_authenticate(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), Routes.Base + path);
        if (method == "POST")
        {
            request.Content = new StringContent("""{"title": "x", "task_type": "testing"}""", System.Text.Encoding.UTF8, "application/json");
        }

        var problem = await (await app.CreateClientWithToken(null).SendAsync(request)).ProblemAsync(HttpStatusCode.Unauthorized);

        Assert.Contains("Bearer", (string?)problem["detail"]);
    }

    [Fact]
    public async Task An_unknown_key_gets_a_401()
    {
        var client = app.CreateClientWithToken("ops_not-a-real-key-000000000000000000");

        await client.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0, (int?)(await admin.GetObjectAsync($"{Routes.Tasks}?search=never-created"))["count"]);
    }

    [Fact]
    public async Task A_key_revoked_in_the_database_stops_working_within_a_minute()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);
        await (await viewer.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK);
        await using (var db = await app.DbAsync())
        {
            var hash = Security.Secrets.Hash(viewer.DefaultRequestHeaders.Authorization!.Parameter!);
            db.ApiKeys.Single(k => k.KeyHash == hash).RevokedAt = app.Now().UtcDateTime;

            await db.SaveChangesAsync();
        }

        // Resolved credentials are remembered for a minute (CredentialCache); after that the revocation holds.
        app.Time.Advance(TimeSpan.FromSeconds(61));
        await viewer.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_viewer_can_read_everything()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);
        var task = await admin.CreateTaskAsync($"viewer {Routes.Tag()}", autoAssign: false);

        foreach (var path in new[] { Routes.Tasks, Routes.Task(Id(task)), $"{Routes.Task(Id(task))}execution_logs/", $"{Routes.Task(Id(task))}assignments/", Routes.Agents, Routes.Assignments, Routes.ExecutionLogs, Routes.Rules, Routes.Health, $"{Routes.Status}status/", $"{Routes.Status}dashboard/", $"{Routes.Status}metrics/" })
        {
            await (await viewer.GetAsync(path)).ExpectAsync(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task A_viewer_cannot_change_anything()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);
        var task = await admin.CreateTaskAsync($"viewer-write {Routes.Tag()}", autoAssign: false);
        var tag = Routes.Tag();

        var problem = await viewer.PostJsonAsync(Routes.Tasks, new { title = $"sneaky {tag}", task_type = "testing" }).ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("role", (string?)problem["detail"]);
        await viewer.PatchJsonAsync(Routes.Task(Id(task)), new { priority = "emergency" }).ProblemAsync(HttpStatusCode.Forbidden);
        await viewer.PostEmptyAsync($"{Routes.Task(Id(task))}escalate/").ProblemAsync(HttpStatusCode.Forbidden);
        await viewer.PostEmptyAsync($"{Routes.Task(Id(task))}cancel/").ProblemAsync(HttpStatusCode.Forbidden);
        await viewer.DeleteAsync(Routes.Task(Id(task))).ProblemAsync(HttpStatusCode.Forbidden);
        await viewer.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(0, (int?)(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}"))["count"]);
        var unchanged = await admin.GetTaskAsync(Id(task));
        Assert.Equal("medium", (string?)unchanged["priority"]);
        Assert.Equal("pending", (string?)unchanged["status"]);
    }

    [Fact]
    public async Task An_operator_can_create_edit_and_escalate_tasks()
    {
        var operatorClient = await app.CreateClientAsync(ApiRole.Operator);

        var task = await operatorClient.CreateTaskAsync($"operator {Routes.Tag()}", taskType: "deployment");
        await operatorClient.PatchJsonAsync(Routes.Task(Id(task)), new { description = "more detail" }).ObjectAsync();
        var escalated = await operatorClient.PostEmptyAsync($"{Routes.Task(Id(task))}escalate/").ObjectAsync();
        await operatorClient.PostEmptyAsync($"{Routes.Status}process_pending_tasks/").ObjectAsync();

        Assert.Equal("high", (string?)escalated["new_priority"]);
        Assert.StartsWith("key:", Str(task, "created_by"));
    }

    [Fact]
    public async Task An_operator_cannot_manage_agents_or_rules()
    {
        var operatorClient = await app.CreateClientAsync(ApiRole.Operator);
        var primary = await app.AgentIdAsync("DeploymentAgent-Primary");
        var rule = Results(await admin.GetObjectAsync(Routes.Rules))[0];
        var name = $"op-agent-{Routes.Tag()}";

        await operatorClient.PostJsonAsync(Routes.Agents, new { name, agent_type = "general" }).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PatchJsonAsync(Routes.Agent(primary), new { max_concurrent_tasks = 20 }).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.DeleteAsync(Routes.Agent(primary)).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PostJsonAsync($"{Routes.Agent(primary)}update_status/", new { action = "deactivate" }).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PostEmptyAsync($"{Routes.Agent(primary)}rotate_token/").ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PostJsonAsync(Routes.Rules, new { name = $"op-rule-{Routes.Tag()}", rule_type = "monitoring", trigger_conditions = new { }, actions = new { } }).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.PatchJsonAsync($"{Routes.Rules}{Id(rule)}/", new { is_active = false }).ProblemAsync(HttpStatusCode.Forbidden);
        await operatorClient.DeleteAsync($"{Routes.Rules}{Id(rule)}/").ProblemAsync(HttpStatusCode.Forbidden);

        var agent = await admin.GetAgentAsync(primary);
        Assert.Equal(5, (int?)agent["max_concurrent_tasks"]);
        Assert.True((bool)agent["is_active"]!);
        Assert.Equal(0, (int?)(await admin.GetObjectAsync($"{Routes.Agents}?search={name}"))["count"]);
        Assert.True((bool)(await admin.GetObjectAsync($"{Routes.Rules}{Id(rule)}/"))["is_active"]!);
    }

    [Fact]
    public async Task An_operator_can_read_too()
    {
        var operatorClient = await app.CreateClientAsync(ApiRole.Operator);

        await (await operatorClient.GetAsync(Routes.Agents)).ExpectAsync(HttpStatusCode.OK);
        await (await operatorClient.GetAsync(Routes.Rules)).ExpectAsync(HttpStatusCode.OK);
    }
}
