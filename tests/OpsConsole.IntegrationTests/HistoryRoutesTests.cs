using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>/assignments/ and /execution-logs/: read-only history, listed and by id.</summary>
public sealed class HistoryRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Assignment_list_filters_by_task_and_shows_task_and_agent()
    {
        var task = await admin.CreateTaskAsync($"assignment {Routes.Tag()}", taskType: "deployment", priority: "critical");

        foreach (var url in new[] { $"{Routes.Base}/assignments?task={Id(task)}", $"{Routes.Base}/assignments/?task={Id(task)}" })
        {
            var page = await admin.GetObjectAsync(url);
            Assert.Equal(1, (int?)page["count"]);
            var assignment = Assert.Single(Results(page));
            Assert.Equal(Id(task), Id(assignment["task"]!));
            Assert.Equal(Str(task, "assigned_agent_name"), (string?)assignment["agent"]?["name"]);
            Assert.Equal(Str(task["assigned_agent"]!, "id"), (string?)assignment["agent"]?["id"]);
            Assert.True((bool)assignment["is_active"]!);
            Assert.Equal(app.Now(), Time(assignment, "assigned_at"));
        }
    }

    [Fact]
    public async Task Assignment_detail_answers_by_id_and_404_for_an_unknown_id()
    {
        var task = await admin.CreateTaskAsync($"assignment-detail {Routes.Tag()}", taskType: "deployment");
        var listed = Assert.Single(Results(await admin.GetObjectAsync($"{Routes.Assignments}?task={Id(task)}")));

        var assignment = await admin.GetObjectAsync($"{Routes.Base}/assignments/{Id(listed)}");

        Assert.Equal(Id(listed), Id(assignment));
        Assert.Equal(Id(task), Id(assignment["task"]!));
        Assert.NotEmpty(assignment["candidates"]!.AsArray());
        await admin.GetAsync($"{Routes.Assignments}{Guid.NewGuid()}/").ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_closed_assignment_says_when_and_why_it_ended()
    {
        var task = await admin.CreateTaskAsync($"assignment-closed {Routes.Tag()}", taskType: "deployment");
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}complete/", new { }).ObjectAsync();

        var assignment = Assert.Single(Results(await admin.GetObjectAsync($"{Routes.Assignments}?task={Id(task)}")));

        Assert.False((bool)assignment["is_active"]!);
        Assert.Equal(app.Now(), Time(assignment, "completed_at"));
        Assert.Equal("completed", (string?)assignment["end_reason"]);
    }

    [Fact]
    public async Task Execution_log_list_filters_by_task_and_level()
    {
        var task = await admin.CreateTaskAsync($"logs {Routes.Tag()}", taskType: "deployment");

        var all = await admin.GetObjectAsync($"{Routes.Base}/execution-logs?task={Id(task)}");
        var info = await admin.GetObjectAsync($"{Routes.Base}/execution-logs/?task={Id(task)}&log_level=INFO");
        var errors = await admin.GetObjectAsync($"{Routes.ExecutionLogs}?task={Id(task)}&log_level__in=ERROR,CRITICAL");

        Assert.True((int?)all["count"] >= 2, all.ToJsonString());
        Assert.All(Results(all), l => Assert.Equal(Id(task), Guid.Parse(Str(l, "task"))));
        Assert.All(Results(info), l => Assert.Equal("INFO", (string?)l["log_level"]));
        Assert.Equal(0, (int?)errors["count"]);
        var entry = Results(all)[0];
        foreach (var field in new[] { "id", "task", "agent", "task_title", "agent_name", "log_level", "message", "step_name", "step_data", "execution_time", "created_on", "actor", "actor_type" })
        {
            Assert.True(entry.ContainsKey(field), $"log entry lacks '{field}'");
        }
    }

    [Fact]
    public async Task Execution_log_search_matches_the_message()
    {
        var tag = Routes.Tag();
        var task = await admin.CreateTaskAsync($"log-search {tag}", taskType: "deployment");
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}progress/", new { message = $"unpacking {tag}" }).ObjectAsync(HttpStatusCode.Created);

        var page = await admin.GetObjectAsync($"{Routes.ExecutionLogs}?search={tag}");

        var entry = Assert.Single(Results(page));
        Assert.Equal($"unpacking {tag}", (string?)entry["message"]);
    }

    [Fact]
    public async Task Execution_log_detail_answers_by_id_and_404_for_an_unknown_id()
    {
        var task = await admin.CreateTaskAsync($"log-detail {Routes.Tag()}", taskType: "deployment");
        var listed = Results(await admin.GetObjectAsync($"{Routes.ExecutionLogs}?task={Id(task)}"))[0];

        var entry = await admin.GetObjectAsync($"{Routes.Base}/execution-logs/{Id(listed)}");

        Assert.Equal(Id(listed), Id(entry));
        Assert.Equal((string?)listed["message"], (string?)entry["message"]);
        Assert.Equal((string?)task["title"], (string?)entry["task_title"]);
        await admin.GetAsync($"{Routes.ExecutionLogs}{Guid.NewGuid()}/").ProblemAsync(HttpStatusCode.NotFound);
    }
}
