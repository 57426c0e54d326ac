using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Compatibility;

/// <summary>
/// The original's task actions as its clients call them (reference §9.1): the answers keep OpsConsole's body and carry the
/// original's <c>message</c>; <c>assign</c> with an <c>agent_id</c> reassigns a held task; errors carry the original's keys.
/// </summary>
public sealed class ActionCompatibilityTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient original = OriginalClient.Create(app);
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<Guid> TaskAsync(string title) =>
        Id(await original.PostTextAsync(Routes.Tasks,
            $$"""{"title": "{{title}}", "description": "from a script", "task_type": "documentation", "priority": "medium", "auto_assign": false}""")
            .ObjectAsync(HttpStatusCode.Created));

    [Fact]
    public async Task Complete_answers_the_originals_message_beside_the_task_detail()
    {
        var id = await TaskAsync($"complete {Routes.Tag()}");

        var answer = await original.PostTextAsync($"{Routes.Task(id)}complete/", """{"action": "complete", "output_data": {"ok": true}}""").ObjectAsync();

        Assert.Equal("Task marked as completed", (string?)answer["message"]);
        Assert.Equal("completed", (string?)answer["status"]);
        Assert.Equal(id, Id(answer));
        Assert.True((bool)answer["output_data"]!["ok"]!);
    }

    [Fact]
    public async Task Cancel_retry_and_escalate_answer_the_originals_messages()
    {
        var cancelled = await original.PostTextAsync($"{Routes.Task(await TaskAsync($"cancel {Routes.Tag()}"))}cancel/", "{}").ObjectAsync();
        var escalated = await original.PostTextAsync($"{Routes.Task(await TaskAsync($"escalate {Routes.Tag()}"))}escalate/", """{"action": "escalate", "reason": "customer waiting"}""").ObjectAsync();

        Assert.Equal("Task cancelled", (string?)cancelled["message"]);
        Assert.Equal("cancelled", (string?)cancelled["task"]!["status"]);
        Assert.Equal("Task escalated to level 1", (string?)escalated["message"]);
        Assert.Equal("high", (string?)escalated["new_priority"]);
    }

    [Fact]
    public async Task Assign_with_agent_id_on_an_in_progress_task_reassigns_it_tells_the_old_holder_and_refuses_its_late_reports()
    {
        var (firstId, firstToken, _) = await admin.CreateAgentAsync($"Holder-{Routes.Tag()}", "general", ["documentation"]);
        var (secondId, _, _) = await admin.CreateAgentAsync($"Next-{Routes.Tag()}", "general", ["documentation"]);
        var first = app.CreateClientWithToken(firstToken);
        var id = await TaskAsync($"reassign {Routes.Tag()}");
        await original.PostTextAsync($"{Routes.Task(id)}assign/", $$"""{"action": "assign", "agent_id": "{{firstId}}"}""").ObjectAsync();
        await first.PostEmptyAsync($"{Routes.Task(id)}start/").ObjectAsync();
        await using var hub = TestAgent.HubFor(app, firstToken);
        var revoked = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<JsonElement>("TaskRevoked", r => revoked.TrySetResult(JsonNode.Parse(r.GetRawText())!.AsObject()));
        await hub.StartAsync();

        var answer = await original.PostTextAsync($"{Routes.Task(id)}assign/", $$"""{"action": "assign", "agent_id": "{{secondId}}", "reason": "Holder is stuck"}""").ObjectAsync();

        Assert.StartsWith("Task assigned to Next-", (string?)answer["message"]);
        Assert.NotNull((string?)answer["assignment_id"]);
        var told = await revoked.Task.WaitAsync(TestAgent.EventTimeout);
        Assert.Equal(id.ToString(), (string?)told["task_id"]);
        Assert.Equal("reassigned", (string?)told["reason"]);
        var late = await first.PostJsonAsync($"{Routes.Task(id)}complete/", new { output_data = new { late = true } }).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("no longer holds", (string?)late["detail"]);
        var task = await admin.GetTaskAsync(id);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal(secondId, Id(task["assigned_agent"]!));
        Assert.Equal(0, (int?)(await admin.GetAgentAsync(firstId))["current_task_count"]);
        Assert.Contains(await admin.LogsAsync(id), l => (string?)l["step_name"] == "reassignment" && ((string?)l["message"])!.Contains("Holder-"));
    }

    [Fact]
    public async Task Assign_without_agent_id_on_an_assigned_task_stays_a_409_with_the_originals_error_key()
    {
        var (agentId, _, _) = await admin.CreateAgentAsync($"Only-{Routes.Tag()}", "general", ["documentation"]);
        var id = await TaskAsync($"auto-twice {Routes.Tag()}");
        await original.PostTextAsync($"{Routes.Task(id)}assign/", $$"""{"action": "assign", "agent_id": "{{agentId}}"}""").ObjectAsync();

        var problem = await original.PostTextAsync($"{Routes.Task(id)}assign/", """{"action": "assign"}""").ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("send agent_id", (string?)problem["detail"]);
        Assert.Equal((string?)problem["detail"], (string?)problem["error"]);
    }

    [Fact]
    public async Task A_bad_field_answers_problem_details_and_drfs_field_name_with_its_list_of_messages()
    {
        var id = await TaskAsync($"bad action {Routes.Tag()}");

        var problem = await original.PostTextAsync($"{Routes.Task(id)}assign/", """{"action": "teleport"}""").ProblemAsync(HttpStatusCode.BadRequest);

        var drf = problem["action"]!.AsArray().Select(m => (string?)m).ToList();
        Assert.Equal(problem["errors"]!["action"]!.AsArray().Select(m => (string?)m), drf);
        Assert.Contains("teleport", drf.Single());
        Assert.False(string.IsNullOrEmpty((string?)problem["error"]));
    }

    [Fact]
    public async Task The_originals_token_header_is_accepted_and_a_missing_one_is_refused()
    {
        var anonymous = app.CreateClientWithToken(null);

        await original.GetAsync(Routes.Tasks).ObjectAsync();
        var refused = await anonymous.GetAsync(Routes.Tasks);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
