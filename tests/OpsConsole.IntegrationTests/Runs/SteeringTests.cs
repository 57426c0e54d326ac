using System.Net;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// Steering (#15 part 5): an operator's message to a task reaches the agent that holds it over the hub (TaskMessage), is kept
/// with the task and on its timeline, and can be read by readers and by the holding agent only.
/// </summary>
public sealed class SteeringTests
{
    private const string Primary = "DeploymentAgent-Primary";

    [Fact]
    public async Task A_message_reaches_the_agent_that_holds_the_task_and_stays_on_the_task()
    {
        await using var app = new OpsConsoleFactory();
        var operatorClient = await app.ClientAsync(ApiRole.Operator);
        await using var primary = await TestAgent.CreateAsync(app, Primary);
        var heard = new HubEvents(primary.Hub, "TaskMessage");
        var taskId = Id(await app.CreateTaskAsync(new { title = $"steer {Routes.Tag()}", task_type = "deployment", priority = "critical" }));
        await primary.NextAssignedAsync();
        await primary.InvokeAsync("StartTask", taskId.ToString());

        var sent = await operatorClient.PostJsonAsync($"{Routes.Task(taskId)}messages/", new { text = "Use the staging database, not production" })
            .ObjectAsync(HttpStatusCode.Created);

        Assert.Equal("Use the staging database, not production", (string?)sent["text"]);
        Assert.NotNull((string?)sent["created_at"]);
        Assert.False(string.IsNullOrEmpty((string?)sent["author"]));
        var message = await heard.NextAsync();
        Assert.Equal(taskId.ToString(), (string?)message["task_id"]);
        Assert.Equal((string?)sent["id"], (string?)message["id"]);
        Assert.Equal("Use the staging database, not production", (string?)message["text"]);
        Assert.Equal((string?)sent["author"], (string?)message["author"]);

        var read = await primary.Http.GetAsync($"{Routes.Task(taskId)}messages/").ArrayAsync();
        Assert.Equal((string?)sent["id"], (string?)Assert.Single(read)!["id"]);
        Assert.Contains(await app.LogsAsync(taskId), l => (string?)l!["step_name"] == "message" && ((string?)l["message"])!.Contains("staging database"));
    }

    [Fact]
    public async Task Messages_are_checked_and_only_operators_send_them_and_only_the_holder_reads_them()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        var viewer = await app.ClientAsync(ApiRole.Viewer);
        var taskId = Id(await admin.CreateTaskAsync($"steer rules {Routes.Tag()}", autoAssign: false));
        var url = $"{Routes.Task(taskId)}messages/";

        await admin.PostJsonAsync(url, new { text = new string('a', 4001) }).FieldErrorAsync("text");
        await admin.PostJsonAsync(url, new { text = "" }).FieldErrorAsync("text");
        await admin.PostJsonAsync(url, new { }).FieldErrorAsync("text");
        await admin.PostJsonAsync($"{Routes.Tasks}nope/messages/", new { text = "x" }).ProblemAsync(HttpStatusCode.BadRequest);
        await admin.PostJsonAsync($"{Routes.Task(Guid.NewGuid())}messages/", new { text = "x" }).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync(url, new { text = "x" })).StatusCode);
        await (await admin.PostJsonAsync(url, new { text = new string('b', 4000) })).ExpectAsync(HttpStatusCode.Created);
        Assert.Single(await viewer.GetArrayAsync(url));
        var (_, token, _) = await admin.CreateAgentAsync($"outsider-{Routes.Tag()}");
        await app.CreateClientWithToken(token).GetAsync(url).ProblemAsync(HttpStatusCode.Forbidden);

        await (await admin.PostJsonAsync($"{Routes.Task(taskId)}cancel/", new { reason = "done with it" })).ExpectAsync(HttpStatusCode.OK);
        await admin.PostJsonAsync(url, new { text = "too late" }).ProblemAsync(HttpStatusCode.Conflict);
    }
}
