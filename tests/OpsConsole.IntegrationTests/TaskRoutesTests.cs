using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Every /tasks/ route answers with the right status and payload (each test works on its own tasks).</summary>
public sealed class TaskRoutesTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Task_list_answers_with_the_paged_envelope_with_or_without_the_trailing_slash()
    {
        var tag = Routes.Tag();
        var created = await admin.CreateTaskAsync($"list {tag}", autoAssign: false);

        foreach (var url in new[] { $"{Routes.Base}/tasks?search={tag}", $"{Routes.Base}/tasks/?search={tag}" })
        {
            var page = await admin.GetObjectAsync(url);
            Assert.Equal(1, (int?)page["count"]);
            Assert.True(page.ContainsKey("next") && page.ContainsKey("previous"));
            var row = Assert.Single(Results(page));
            Assert.Equal(Id(created), Id(row));
            foreach (var field in new[] { "title", "task_type", "priority", "status", "assigned_agent_name", "due_date", "estimated_duration", "retry_count", "escalation_level", "created_on", "modified_on", "priority_score", "is_overdue", "duration_so_far", "github_issue_number", "next_attempt_at", "needs_attention" })
            {
                Assert.True(row.ContainsKey(field), $"task list row lacks '{field}': {row.ToJsonString()}");
            }
        }
    }

    [Fact]
    public async Task Creating_a_task_answers_201_with_its_location_and_detail_and_assigns_it()
    {
        var response = await admin.PostJsonAsync($"{Routes.Base}/tasks", new
        {
            title = "Roll out build 42",
            description = "web tier",
            task_type = "deployment",
            priority = "high",
            estimated_duration = "02:00:00",
            input_data = new { build = 42 },
            environment = "staging",
        });

        await response.ExpectAsync(HttpStatusCode.Created);
        var task = await response.ReadObjectAsync();
        Assert.Equal($"/api/v1/orchestration/tasks/{Id(task)}/", response.Headers.Location?.OriginalString);
        Assert.Equal("Roll out build 42", (string?)task["title"]);
        Assert.Equal("web tier", (string?)task["description"]);
        Assert.Equal("deployment", (string?)task["task_type"]);
        Assert.Equal("high", (string?)task["priority"]);
        Assert.Equal("02:00:00", (string?)task["estimated_duration"]);
        Assert.Equal(42, (int?)task["input_data"]?["build"]);
        Assert.Equal("staging", (string?)task["environment"]);
        Assert.Equal(3, (int?)task["max_retries"]);
        Assert.Equal(0, (int?)task["retry_count"]);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.NotNull(task["assigned_agent"]?["id"]);
        Assert.Equal((string?)task["assigned_agent"]?["name"], (string?)task["assigned_agent_name"]);
        Assert.Equal("key:bootstrap", (string?)task["created_by"]);
    }

    [Fact]
    public async Task Task_detail_answers_with_the_detail_fields_with_or_without_the_trailing_slash()
    {
        var created = await admin.CreateTaskAsync($"detail {Routes.Tag()}", autoAssign: false);

        foreach (var url in new[] { $"{Routes.Base}/tasks/{Id(created)}", $"{Routes.Base}/tasks/{Id(created)}/" })
        {
            var task = await admin.GetObjectAsync(url);
            Assert.Equal(Id(created), Id(task));
            Assert.Equal("pending", (string?)task["status"]);
            foreach (var field in new[] { "description", "owner", "input_data", "output_data", "error_details", "depends_on", "dependent_tasks", "max_retries", "auto_assign", "auto_retry", "auto_escalate", "can_be_assigned", "has_unmet_dependencies", "needs_attention", "next_attempt_at" })
            {
                Assert.True(task.ContainsKey(field), $"task detail lacks '{field}'");
            }
        }
    }

    [Fact]
    public async Task Put_replaces_the_editable_fields_of_a_task()
    {
        var created = await admin.CreateTaskAsync($"put {Routes.Tag()}", autoAssign: false);

        var task = await admin.PutJsonAsync(Routes.Task(Id(created)), new
        {
            title = "Replaced title",
            description = "replaced",
            task_type = "maintenance",
            priority = "low",
            auto_assign = false,
            max_retries = 5,
        }).ObjectAsync();

        Assert.Equal("Replaced title", (string?)task["title"]);
        Assert.Equal("replaced", (string?)task["description"]);
        Assert.Equal("maintenance", (string?)task["task_type"]);
        Assert.Equal("low", (string?)task["priority"]);
        Assert.Equal(5, (int?)task["max_retries"]);
        Assert.Equal("Replaced title", (string?)(await admin.GetTaskAsync(Id(created)))["title"]);
    }

    [Fact]
    public async Task Put_without_the_required_fields_is_refused_naming_them()
    {
        var created = await admin.CreateTaskAsync($"put-missing {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PutJsonAsync(Routes.Task(Id(created)), new { description = "only this" }).ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("title"));
        Assert.True(errors.ContainsKey("task_type"));
    }

    [Fact]
    public async Task Patch_changes_only_the_fields_sent()
    {
        var created = await admin.CreateTaskAsync($"patch {Routes.Tag()}", autoAssign: false, description: "keep me");

        var task = await admin.PatchJsonAsync(Routes.Task(Id(created)), new { priority = "critical" }).ObjectAsync();

        Assert.Equal("critical", (string?)task["priority"]);
        Assert.Equal("keep me", (string?)task["description"]);
        Assert.Equal((string?)created["title"], (string?)task["title"]);
    }

    [Fact]
    public async Task Patch_can_block_a_task_but_not_complete_it()
    {
        var created = await admin.CreateTaskAsync($"patch-status {Routes.Tag()}", autoAssign: false);

        var blocked = await admin.PatchJsonAsync(Routes.Task(Id(created)), new { status = "blocked" }).ObjectAsync();
        Assert.Equal("blocked", (string?)blocked["status"]);

        var problem = await admin.PatchJsonAsync(Routes.Task(Id(created)), new { status = "completed" }).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("complete", (string?)problem["detail"]);
        Assert.Equal("blocked", (string?)(await admin.GetTaskAsync(Id(created)))["status"]);
    }

    [Fact]
    public async Task Delete_removes_the_task_and_frees_its_agent()
    {
        var created = await admin.CreateTaskAsync($"delete {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var agentId = Guid.Parse(Str(created["assigned_agent"]!, "id"));
        var loadBefore = (int)(await admin.GetAgentAsync(agentId))["current_task_count"]!;

        await (await admin.DeleteAsync(Routes.Task(Id(created)))).ExpectAsync(HttpStatusCode.NoContent);

        await admin.GetAsync(Routes.Task(Id(created))).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(loadBefore - 1, (int)(await admin.GetAgentAsync(agentId))["current_task_count"]!);
    }

    [Fact]
    public async Task Assign_without_an_agent_picks_the_best_agent_and_says_so()
    {
        var created = await admin.CreateTaskAsync($"auto-assign {Routes.Tag()}", taskType: "deployment", priority: "critical", autoAssign: false);
        Assert.Equal("pending", (string?)created["status"]);

        var answer = await admin.PostJsonAsync($"{Routes.Task(Id(created))}assign/", new { action = "assign" }).ObjectAsync();

        var task = await admin.GetTaskAsync(Id(created));
        var agent = Str(task, "assigned_agent_name");
        Assert.Equal($"Task auto-assigned to {agent}", (string?)answer["message"]);
        Assert.Contains(agent, new[] { "DeploymentAgent-Primary", "MonitoringAgent-System", "GeneralAgent-Backup" });
        Assert.Equal("assigned", (string?)answer["task"]?["status"]);
        Assert.Contains(agent, Str(answer, "reason"));
        var assignment = await admin.GetObjectAsync($"{Routes.Assignments}{Str(answer, "assignment_id")}/");
        Assert.Equal(Id(created), Id(assignment["task"]!));
        Assert.Equal("manual_key:bootstrap", (string?)assignment["assigned_by"]);
    }

    [Fact]
    public async Task Assign_with_an_agent_id_gives_the_task_to_that_agent()
    {
        var created = await admin.CreateTaskAsync($"manual-assign {Routes.Tag()}", taskType: "deployment", autoAssign: false);
        var backup = await app.AgentIdAsync("GeneralAgent-Backup");

        var answer = await admin.PostJsonAsync($"{Routes.Task(Id(created))}assign", new { action = "assign", agent_id = backup, reason = "I know this one" }).ObjectAsync();

        Assert.Equal("Task assigned to GeneralAgent-Backup", (string?)answer["message"]);
        var assignment = await admin.GetObjectAsync($"{Routes.Assignments}{Str(answer, "assignment_id")}/");
        Assert.Equal("I know this one", (string?)assignment["assignment_reason"]);
        Assert.Equal("manual_key:bootstrap", (string?)assignment["assigned_by"]);
        Assert.Equal(backup, Id(assignment["agent"]!));
    }

    [Fact]
    public async Task Retry_of_a_failed_task_puts_it_back_to_work_at_once()
    {
        var created = await admin.PostJsonAsync(Routes.Tasks, new { title = $"retry {Routes.Tag()}", task_type = "deployment", auto_retry = false, auto_escalate = false })
            .ObjectAsync(HttpStatusCode.Created);
        var failed = await admin.PostJsonAsync($"{Routes.Task(Id(created))}fail/", new { error_message = "disk full" }).ObjectAsync();
        Assert.Equal("failed", (string?)failed["status"]);

        var answer = await admin.PostEmptyAsync($"{Routes.Task(Id(created))}retry/").ObjectAsync();

        Assert.StartsWith("Task retried (attempt 1) and assigned to ", (string?)answer["message"]);
        var task = await admin.GetTaskAsync(Id(created));
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal(1, (int?)task["retry_count"]);
        Assert.False((bool)task["needs_attention"]!);
    }

    [Fact]
    public async Task Escalate_answers_with_the_new_level_and_priority()
    {
        var created = await admin.CreateTaskAsync($"escalate {Routes.Tag()}", taskType: "deployment", priority: "low");

        var answer = await admin.PostJsonAsync($"{Routes.Task(Id(created))}escalate/", new { action = "escalate", reason = "customer waiting" }).ObjectAsync();

        Assert.Equal("Task escalated to level 1", (string?)answer["message"]);
        Assert.Equal("medium", (string?)answer["new_priority"]);
    }

    [Fact]
    public async Task Cancel_ends_the_task_and_frees_its_agent()
    {
        var created = await admin.CreateTaskAsync($"cancel {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var agentId = Guid.Parse(Str(created["assigned_agent"]!, "id"));
        var loadBefore = (int)(await admin.GetAgentAsync(agentId))["current_task_count"]!;

        var answer = await admin.PostJsonAsync($"{Routes.Task(Id(created))}cancel/", new { reason = "not needed" }).ObjectAsync();

        Assert.Equal("Task cancelled", (string?)answer["message"]);
        Assert.Equal("cancelled", (string?)(await admin.GetTaskAsync(Id(created)))["status"]);
        Assert.Equal(loadBefore - 1, (int)(await admin.GetAgentAsync(agentId))["current_task_count"]!);
    }

    [Fact]
    public async Task Complete_records_the_output_and_the_completion_time()
    {
        var created = await admin.CreateTaskAsync($"complete {Routes.Tag()}", taskType: "deployment");

        var task = await admin.PostJsonAsync($"{Routes.Task(Id(created))}complete/", new { output_data = new { url = "https://example.test/build/1" } }).ObjectAsync();

        Assert.Equal("completed", (string?)task["status"]);
        Assert.Equal(app.Now(), Time(task, "completed_at"));
        Assert.Equal("https://example.test/build/1", (string?)task["output_data"]?["url"]);
    }

    [Fact]
    public async Task Fail_answers_with_the_task_after_the_failure_policy()
    {
        var created = await admin.CreateTaskAsync($"fail {Routes.Tag()}", taskType: "deployment");

        var task = await admin.PostJsonAsync($"{Routes.Task(Id(created))}fail/", new { error_message = "exit 1", error_details = new { step = "migrate" } }).ObjectAsync();

        Assert.Equal("pending", (string?)task["status"]);
        Assert.Equal(1, (int?)task["retry_count"]);
        Assert.Null(task["assigned_agent"]);
        Assert.NotNull((string?)task["next_attempt_at"]);
        Assert.Contains("exit 1", (string?)task["error_details"]);
    }

    [Fact]
    public async Task Start_puts_an_assigned_task_in_progress()
    {
        var created = await admin.CreateTaskAsync($"start {Routes.Tag()}", taskType: "deployment");

        var holder = (string?)created["assigned_agent_name"];
        Assert.NotNull(holder);

        var task = await admin.PostEmptyAsync($"{Routes.Task(Id(created))}start/").ObjectAsync();

        Assert.Equal("in_progress", (string?)task["status"]);
        Assert.Equal(app.Now(), Time(task, "started_at"));
        Assert.Equal(holder, (string?)task["assigned_agent_name"]);
        Assert.Equal(holder, (string?)task["assigned_agent"]!["name"]);
        var started = Assert.Single(await app.LogsAsync(Id(created)), l => (string?)l!["step_name"] == "started");
        Assert.Equal($"Work started by {holder}", (string?)started!["message"]); // an operator started it: the log names the agent that holds it
    }

    [Fact]
    public async Task Progress_answers_201_with_the_log_entry_and_starts_the_task()
    {
        var created = await admin.CreateTaskAsync($"progress {Routes.Tag()}", taskType: "deployment");

        var entry = await admin.PostJsonAsync($"{Routes.Task(Id(created))}progress/", new { message = "copying files", step = "copy", percent = 40, data = new { files = 12 } })
            .ObjectAsync(HttpStatusCode.Created);

        Assert.Equal("copying files", (string?)entry["message"]);
        Assert.Equal("copy", (string?)entry["step_name"]);
        Assert.Equal(40, (int?)entry["percent"]);
        Assert.Equal(12, (int?)entry["step_data"]?["files"]);
        Assert.Equal(Id(created), Guid.Parse(Str(entry, "task")));
        Assert.Equal("in_progress", (string?)(await admin.GetTaskAsync(Id(created)))["status"]);
    }

    [Fact]
    public async Task Release_gives_the_task_to_another_agent_without_using_a_retry()
    {
        var created = await admin.CreateTaskAsync($"release {Routes.Tag()}", taskType: "deployment", priority: "critical");
        var first = Str(created, "assigned_agent_name");

        var task = await admin.PostEmptyAsync($"{Routes.Task(Id(created))}release/").ObjectAsync();

        Assert.Equal("assigned", (string?)task["status"]);
        Assert.NotEqual(first, (string?)task["assigned_agent_name"]);
        Assert.Equal(0, (int?)task["retry_count"]);
    }

    [Fact]
    public async Task Block_and_unblock_move_the_task_out_of_and_back_into_work()
    {
        var created = await admin.CreateTaskAsync($"block {Routes.Tag()}", taskType: "deployment");

        var blocked = await admin.PostJsonAsync($"{Routes.Task(Id(created))}block/", new { reason = "waiting for DNS" }).ObjectAsync();
        Assert.Equal("blocked", (string?)blocked["status"]);

        var unblocked = await admin.PostEmptyAsync($"{Routes.Task(Id(created))}unblock/").ObjectAsync();
        Assert.Equal("assigned", (string?)unblocked["status"]);
        Assert.Equal((string?)created["assigned_agent_name"], (string?)unblocked["assigned_agent_name"]);

        // The original's message first, then the task's detail, field for field in the detail's order.
        var detail = await admin.GetTaskAsync(Id(created));
        Assert.Equal("Task unblocked", (string?)unblocked["message"]);
        Assert.Equal(["message", .. detail.Select(p => p.Key)], unblocked.Select(p => p.Key));
        Assert.Equal(detail.ToJsonString(), new System.Text.Json.Nodes.JsonObject(unblocked.Where(p => p.Key != "message").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))).ToJsonString());
    }

    [Fact]
    public async Task Assign_binds_its_body_and_names_every_bad_field_in_one_answer()
    {
        var created = await admin.CreateTaskAsync($"assign body {Routes.Tag()}", autoAssign: false);
        var assign = $"{Routes.Task(Id(created))}assign/";

        var wrong = await admin.PostAsync(assign, RawJson("""{"action": "steal", "agent_id": 5, "reason": ["x"]}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var notUuid = await admin.PostAsync(assign, RawJson("""{"agent_id": "abc", "reason": "  "}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var escalateWrong = await admin.PostAsync($"{Routes.Task(Id(created))}escalate/", RawJson("""{"reason": 7}""")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(
            "action 'steal' is not allowed; allowed: assign, retry, escalate, cancel, complete; agent_id must be a string, not a number; reason must be a string, not a list",
            (string?)wrong["detail"]);
        Assert.Equal(["action", "agent_id", "reason"], wrong["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal("agent_id must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6", (string?)notUuid["detail"]);
        Assert.Equal("reason must be a string, not a number", (string?)escalateWrong["detail"]);
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(created)))["status"]);
    }

    [Fact]
    public async Task Creating_a_task_binds_its_body_and_names_every_bad_field_in_one_answer()
    {
        var body = """
            {"title": 7, "task_type": "documentation", "priority": "urgent", "estimated_duration": "forever", "input_data": [1],
             "auto_assign": "yes", "max_retries": "3", "depends_on_ids": ["nope"], "budget_usd": -1}
            """;
        // Read as before binding: 2.0 is a whole number, seconds are a duration.
        var loose = """{"title": "loose", "task_type": "documentation", "max_retries": 2.0, "estimated_duration": 90, "auto_assign": false}""";

        var problem = await admin.PostAsync($"{Routes.Base}/tasks/", RawJson(body)).ProblemAsync(HttpStatusCode.BadRequest);
        var created = await admin.PostAsync($"{Routes.Base}/tasks/", RawJson(loose)).ObjectAsync(HttpStatusCode.Created);

        Assert.Equal(
            ["title", "priority", "estimated_duration", "input_data", "auto_assign", "max_retries", "depends_on_ids", "budget_usd"],
            problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal("title must be a string, not a number", (string?)problem["errors"]!["title"]![0]);
        Assert.Equal("input_data must be a JSON object, not a list", (string?)problem["errors"]!["input_data"]![0]);
        Assert.Equal("auto_assign must be true or false", (string?)problem["errors"]!["auto_assign"]![0]);
        Assert.Equal("max_retries must be a whole number from 0 to 20", (string?)problem["errors"]!["max_retries"]![0]);
        Assert.Equal("depends_on_ids must be a list of task ids (UUIDs)", (string?)problem["errors"]!["depends_on_ids"]![0]);
        Assert.Equal(2, (int?)created["max_retries"]);
        Assert.Equal("00:01:30", (string?)created["estimated_duration"]);
        Assert.Equal("pending", (string?)created["status"]);
    }

    [Fact]
    public async Task Execution_logs_list_the_tasks_history_newest_first()
    {
        var created = await admin.CreateTaskAsync($"logs {Routes.Tag()}", taskType: "deployment");
        app.Time.Advance(TimeSpan.FromSeconds(1));
        await admin.PostEmptyAsync($"{Routes.Task(Id(created))}start/").ObjectAsync();

        var logs = await admin.LogsAsync(Id(created));

        Assert.Equal("started", (string?)logs[0]["step_name"]);
        Assert.Contains(logs, l => (string?)l["step_name"] == "created");
        Assert.Contains(logs, l => (string?)l["step_name"] == "assignment");
        Assert.All(logs, l => Assert.Equal(Id(created), Guid.Parse(Str(l, "task"))));
        Assert.True(Time(logs[0], "created_on") >= Time(logs[^1], "created_on"));
    }

    [Fact]
    public async Task Task_assignments_list_the_candidates_with_their_score_factors()
    {
        var created = await admin.CreateTaskAsync($"assignments {Routes.Tag()}", taskType: "deployment", priority: "critical");

        var assignments = await admin.GetArrayAsync($"{Routes.Task(Id(created))}assignments/");

        var assignment = Assert.Single(assignments)!.AsObject();
        Assert.Equal("orchestration_engine", (string?)assignment["assigned_by"]);
        Assert.True((bool)assignment["is_active"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)assignment["assignment_reason"]));
        Assert.True((double)assignment["score"]! > 0);
        var candidates = assignment["candidates"]!.AsArray();
        Assert.True(candidates.Count >= 2, assignment.ToJsonString());
        var chosen = candidates.Single(c => (string?)c!["agent_name"] == (string?)created["assigned_agent_name"])!;
        Assert.NotNull((string?)chosen["agent_id"]);
        Assert.True((double)chosen["score"]! > 0);
        var factors = chosen["factors"]!.AsObject();
        foreach (var factor in new[] { "efficiency", "capability", "priority_boost", "load_penalty", "availability" })
        {
            Assert.True(factors.ContainsKey(factor), $"factors lack '{factor}': {factors.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Actions_accept_their_route_with_or_without_the_trailing_slash()
    {
        var created = await admin.CreateTaskAsync($"slash {Routes.Tag()}", taskType: "deployment");

        await (await admin.PostEmptyAsync($"{Routes.Base}/tasks/{Id(created)}/start")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.GetAsync($"{Routes.Base}/tasks/{Id(created)}/execution_logs")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.GetAsync($"{Routes.Base}/tasks/{Id(created)}/assignments")).ExpectAsync(HttpStatusCode.OK);
        await (await admin.PostJsonAsync($"{Routes.Base}/tasks/{Id(created)}/complete", new { })).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_api_root_lists_the_collections()
    {
        var root = await admin.GetObjectAsync($"{Routes.Base}/");

        Assert.Equal($"{Routes.Base}/tasks/", (string?)root["tasks"]);
        Assert.Equal($"{Routes.Base}/agents/", (string?)root["agents"]);
    }
}
