using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Bad input gets a 4xx problem that names what is wrong and what is allowed; nothing a client sends is a 500.</summary>
public sealed class ValidationTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    // ------------------------------------------------------------ bodies

    [Fact]
    public async Task Unknown_task_type_is_refused_listing_the_allowed_types()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "rocket_science" }).FieldErrorAsync("task_type");

        Assert.Contains("rocket_science", message);
        Assert.Contains("deployment", message);
        Assert.Contains("ux_improvement", message);
    }

    [Fact]
    public async Task Unknown_priority_is_refused_listing_the_allowed_priorities()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "testing", priority = "urgent" }).FieldErrorAsync("priority");

        Assert.Contains("low, medium, high, critical, emergency", message);
    }

    [Fact]
    public async Task Unknown_agent_type_is_refused_listing_the_allowed_types()
    {
        var message = await admin.PostJsonAsync(Routes.Agents, new { name = $"bad-{Routes.Tag()}", agent_type = "robot" }).FieldErrorAsync("agent_type");

        Assert.Contains("general", message);
        Assert.Contains("discovery", message);
    }

    [Fact]
    public async Task Unknown_capability_is_refused_listing_the_task_types()
    {
        var message = await admin.PostJsonAsync(Routes.Agents, new { name = $"bad-{Routes.Tag()}", agent_type = "general", capabilities = new[] { "juggling" } })
            .FieldErrorAsync("capabilities");

        Assert.Contains("juggling", message);
        Assert.Contains("bug_fix", message);
    }

    [Fact]
    public async Task Wrong_json_types_are_refused_naming_each_field()
    {
        var response = admin.PostRawAsync(Routes.Tasks, """{"title": 42, "task_type": "testing", "max_retries": "three", "auto_assign": "yes", "input_data": [1], "depends_on_ids": "abc"}""");

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.Contains("must be a string", (string?)errors["title"]![0]);
        Assert.Contains("whole number", (string?)errors["max_retries"]![0]);
        Assert.Contains("true or false", (string?)errors["auto_assign"]![0]);
        Assert.Contains("JSON object", (string?)errors["input_data"]![0]);
        Assert.Contains("list", (string?)errors["depends_on_ids"]![0]);
    }

    [Fact]
    public async Task Missing_required_fields_are_refused_naming_each_field()
    {
        var problem = await admin.PostRawAsync(Routes.Tasks, """{"description": "no title, no type"}""").ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.Contains("required", (string?)errors["title"]![0]);
        Assert.Contains("required", (string?)errors["task_type"]![0]);
    }

    [Fact]
    public async Task A_blank_title_is_refused()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "   ", task_type = "testing" }).FieldErrorAsync("title");

        Assert.Contains("blank", message);
    }

    [Fact]
    public async Task A_title_over_200_characters_is_refused_saying_the_limit()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = new string('x', 201), task_type = "testing" }).FieldErrorAsync("title");

        Assert.Contains("200", message);
    }

    [Fact]
    public async Task A_title_of_exactly_200_characters_is_accepted()
    {
        var task = await admin.PostJsonAsync(Routes.Tasks, new { title = new string('y', 200), task_type = "testing", auto_assign = false }).ObjectAsync(HttpStatusCode.Created);

        Assert.Equal(200, Str(task, "title").Length);
    }

    [Fact]
    public async Task Out_of_range_numbers_are_refused_saying_the_range()
    {
        var retries = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "testing", max_retries = 1000 }).FieldErrorAsync("max_retries");
        var weight = await admin.PostJsonAsync(Routes.Agents, new { name = $"w-{Routes.Tag()}", agent_type = "general", priority_weight = 11 }).FieldErrorAsync("priority_weight");
        var capacity = await admin.PostJsonAsync(Routes.Agents, new { name = $"c-{Routes.Tag()}", agent_type = "general", max_concurrent_tasks = 0 }).FieldErrorAsync("max_concurrent_tasks");

        Assert.Contains("20", retries);
        Assert.Contains("10", weight);
        Assert.Contains("1 to 20", capacity);
    }

    [Fact]
    public async Task A_bad_due_date_is_refused_with_an_example()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "testing", due_date = "next tuesday" }).FieldErrorAsync("due_date");

        Assert.Contains("ISO-8601", message);
    }

    [Fact]
    public async Task Malformed_json_is_refused_with_400_not_500()
    {
        var problem = await admin.PostRawAsync(Routes.Tasks, """{"title": "x", "task_type": """).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("not valid JSON", (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_json_array_instead_of_an_object_is_refused()
    {
        var problem = await admin.PostRawAsync(Routes.Tasks, """[{"title": "x", "task_type": "testing"}]""").ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("JSON object", (string?)problem["detail"]);
        Assert.Contains("list", (string?)problem["detail"]);
    }

    [Fact]
    public async Task An_empty_body_is_refused()
    {
        var problem = await admin.PostRawAsync(Routes.Tasks, "").ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("JSON object", (string?)problem["detail"]);
    }

    [Fact]
    public async Task A_body_with_a_duplicated_key_is_refused_with_400_not_500()
    {
        var tag = Routes.Tag();

        var task = await admin.PostRawAsync(Routes.Tasks, $$"""{"title": "first {{tag}}", "task_type": "testing", "title": "second {{tag}}"}""");
        var agent = await admin.PostRawAsync(Routes.Agents, $$"""{"name": "a-{{tag}}", "agent_type": "general", "name": "b-{{tag}}"}""");

        await task.ProblemAsync(HttpStatusCode.BadRequest);
        await agent.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, (int?)(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}"))["count"]);
    }

    [Fact]
    public async Task An_estimate_of_a_huge_number_of_days_is_refused_with_400_not_500()
    {
        var message = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "testing", estimated_duration = "99999999 00:00:00" }).FieldErrorAsync("estimated_duration");

        Assert.Contains("365", message);
    }

    [Fact]
    public async Task A_due_date_at_the_end_of_the_calendar_is_never_a_server_error_and_a_refused_task_is_not_stored()
    {
        var tag = Routes.Tag();

        var response = await admin.PostJsonAsync(Routes.Tasks, new { title = $"far future {tag}", task_type = "testing", auto_assign = false, due_date = "9999-12-31T23:59:59Z" });

        Assert.True((int)response.StatusCode < 500, $"got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var stored = (int)(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}"))["count"]!;
        Assert.Equal(response.StatusCode == HttpStatusCode.Created ? 1 : 0, stored);
    }

    [Fact]
    public async Task Depending_on_an_unknown_task_is_refused_naming_the_field()
    {
        var missing = Guid.NewGuid();

        var problem = await admin.PostJsonAsync(Routes.Tasks, new { title = "x", task_type = "testing", depends_on_ids = new[] { missing } }).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("depends_on_ids", (string?)problem["detail"]);
        Assert.Contains(missing.ToString(), (string?)problem["detail"]);
    }

    [Fact]
    public async Task Fail_without_an_error_message_is_refused()
    {
        var task = await admin.CreateTaskAsync($"fail-empty {Routes.Tag()}", autoAssign: false);

        await admin.PostJsonAsync($"{Routes.Task(Id(task))}fail/", new { error_details = "x" }).FieldErrorAsync("error_message");
    }

    [Fact]
    public async Task Progress_percent_outside_0_to_100_is_refused()
    {
        var task = await admin.CreateTaskAsync($"progress-bad {Routes.Tag()}", taskType: "deployment");

        var message = await admin.PostJsonAsync($"{Routes.Task(Id(task))}progress/", new { message = "half", percent = 150 }).FieldErrorAsync("percent");

        Assert.Contains("100", message);
    }

    [Fact]
    public async Task Assign_with_an_unknown_action_is_refused_listing_the_actions()
    {
        var task = await admin.CreateTaskAsync($"assign-bad {Routes.Tag()}", autoAssign: false);

        var message = await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { action = "teleport" }).FieldErrorAsync("action");

        Assert.Contains("assign, retry, escalate, cancel, complete", message);
    }

    [Fact]
    public async Task Task_patch_of_read_only_fields_is_refused_naming_them()
    {
        var task = await admin.CreateTaskAsync($"readonly {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PatchJsonAsync(Routes.Task(Id(task)), new { retry_count = 0, escalation_level = 3 }).ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem["errors"]!.AsObject();
        Assert.Contains("read-only", (string?)errors["retry_count"]![0]);
        Assert.Contains("read-only", (string?)errors["escalation_level"]![0]);
        Assert.Equal(0, (int?)(await admin.GetTaskAsync(Id(task)))["escalation_level"]);
    }

    [Theory]
    [InlineData("success_rate", 0.1)]
    [InlineData("total_tasks_completed", 100)]
    [InlineData("last_heartbeat", "2026-01-01T00:00:00Z")]
    [InlineData("status", "busy")]
    public async Task Agent_patch_of_read_only_fields_is_refused_naming_the_field(string field, object value)
    {
        var (id, _, _) = await admin.CreateAgentAsync($"ro-{Routes.Tag()}");

        var message = await admin.PatchJsonAsync(Routes.Agent(id), new Dictionary<string, object> { [field] = value }).FieldErrorAsync(field);

        Assert.Contains(field, message);
    }

    [Fact]
    public async Task A_second_agent_with_the_same_name_is_refused_with_409()
    {
        var name = $"dup-{Routes.Tag()}";
        await admin.CreateAgentAsync(name);

        var problem = await admin.PostJsonAsync(Routes.Agents, new { name, agent_type = "general" }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains(name, (string?)problem["detail"]);
    }

    [Fact]
    public async Task Renaming_an_agent_to_a_taken_name_is_refused_with_409()
    {
        var (id, _, _) = await admin.CreateAgentAsync($"ren-{Routes.Tag()}");

        var problem = await admin.PatchJsonAsync(Routes.Agent(id), new { name = "DeploymentAgent-Primary" }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("DeploymentAgent-Primary", (string?)problem["detail"]);
    }

    [Fact]
    public async Task An_agent_endpoint_that_is_not_an_http_url_is_refused()
    {
        var message = await admin.PostJsonAsync(Routes.Agents, new { name = $"url-{Routes.Tag()}", agent_type = "general", endpoint_url = "ftp://files" }).FieldErrorAsync("endpoint_url");

        Assert.Contains("http", message);
    }

    // ------------------------------------------------------------ paths

    [Theory]
    [InlineData("GET", "/tasks/not-a-uuid/")]
    [InlineData("PATCH", "/tasks/not-a-uuid/")]
    [InlineData("DELETE", "/tasks/not-a-uuid/")]
    [InlineData("POST", "/tasks/not-a-uuid/retry/")]
    [InlineData("POST", "/tasks/not-a-uuid/complete/")]
    [InlineData("POST", "/tasks/not-a-uuid/start/")]
    [InlineData("GET", "/tasks/not-a-uuid/execution_logs/")]
    [InlineData("GET", "/agents/not-a-uuid/")]
    [InlineData("POST", "/agents/not-a-uuid/heartbeat/")]
    [InlineData("GET", "/assignments/not-a-uuid/")]
    [InlineData("GET", "/execution-logs/not-a-uuid/")]
    [InlineData("GET", "/rules/not-a-uuid/")]
    [InlineData("GET", "/health/not-a-uuid/")]
    public async Task A_malformed_id_in_the_path_is_a_400_that_quotes_it(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), Routes.Base + path);
        if (method is "POST" or "PATCH")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        var problem = await (await admin.SendAsync(request)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains("not-a-uuid", (string?)problem["detail"]);
        Assert.Contains("UUID", (string?)problem["detail"]);
    }

    [Theory]
    [InlineData("GET", "/tasks/{0}/")]
    [InlineData("PUT", "/tasks/{0}/")]
    [InlineData("PATCH", "/tasks/{0}/")]
    [InlineData("DELETE", "/tasks/{0}/")]
    [InlineData("POST", "/tasks/{0}/assign/")]
    [InlineData("POST", "/tasks/{0}/retry/")]
    [InlineData("POST", "/tasks/{0}/escalate/")]
    [InlineData("POST", "/tasks/{0}/cancel/")]
    [InlineData("POST", "/tasks/{0}/complete/")]
    [InlineData("POST", "/tasks/{0}/start/")]
    [InlineData("POST", "/tasks/{0}/release/")]
    [InlineData("POST", "/tasks/{0}/block/")]
    [InlineData("POST", "/tasks/{0}/unblock/")]
    [InlineData("GET", "/tasks/{0}/execution_logs/")]
    [InlineData("GET", "/tasks/{0}/assignments/")]
    [InlineData("GET", "/rules/{0}/")]
    public async Task An_unknown_id_is_a_404_that_names_it(string method, string template)
    {
        var id = Guid.NewGuid();
        var request = new HttpRequestMessage(new HttpMethod(method), Routes.Base + string.Format(System.Globalization.CultureInfo.InvariantCulture, template, id));
        if (method is "POST" or "PATCH" or "PUT")
        {
            request.Content = new StringContent("""{"title": "x", "task_type": "testing"}""", System.Text.Encoding.UTF8, "application/json");
        }

        var problem = await (await admin.SendAsync(request)).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Contains(id.ToString(), (string?)problem["detail"]);
    }

    [Fact]
    public async Task Progress_and_fail_on_an_unknown_task_are_404()
    {
        var id = Guid.NewGuid();

        await admin.PostJsonAsync($"{Routes.Task(id)}progress/", new { message = "x" }).ProblemAsync(HttpStatusCode.NotFound);
        await admin.PostJsonAsync($"{Routes.Task(id)}fail/", new { error_message = "x" }).ProblemAsync(HttpStatusCode.NotFound);
    }

    // ------------------------------------------------------------ query strings

    [Theory]
    [InlineData("page=0", "page")]
    [InlineData("page=abc", "page")]
    [InlineData("page_size=0", "page_size")]
    [InlineData("status=nope", "status")]
    [InlineData("status__in=pending,nope", "status")]
    [InlineData("priority=urgent", "priority")]
    [InlineData("task_type=rocket", "task_type")]
    [InlineData("created_on__gte=notadate", "created_on__gte")]
    [InlineData("due_date__lte=yesterday", "due_date__lte")]
    [InlineData("assigned_agent=xyz", "assigned_agent")]
    [InlineData("auto_assign=maybe", "auto_assign")]
    [InlineData("escalation_level__gte=-1", "escalation_level__gte")]
    public async Task A_bad_task_list_parameter_is_a_400_naming_it(string query, string parameter)
    {
        await admin.GetAsync($"{Routes.Tasks}?{query}").FieldErrorAsync(parameter);
    }

    [Fact]
    public async Task A_bad_status_filter_lists_the_allowed_statuses()
    {
        var message = await admin.GetAsync($"{Routes.Tasks}?status=nope").FieldErrorAsync("status");

        Assert.Contains("nope", message);
        Assert.Contains("pending, assigned, in_progress, blocked, review, completed, failed, cancelled, escalated", message);
    }

    [Theory]
    [InlineData("/tasks/?ordering=bogus", "ordering=bogus")]
    [InlineData("/tasks/?ordering=-bogus", "ordering=-bogus")]
    [InlineData("/agents/?ordering=height", "ordering=height")]
    [InlineData("/assignments/?ordering=bogus", "ordering=bogus")]
    public async Task An_unknown_ordering_on_any_list_is_ignored_as_the_original_does_and_named_in_a_header(string pathAndQuery, string ignored)
    {
        var response = await (await admin.GetAsync(Routes.Base + pathAndQuery)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(ignored, response.Headers.GetValues("X-OpsConsole-Ignored").Single());
        Assert.NotNull((await response.ReadObjectAsync())["results"]);
    }

    [Theory]
    [InlineData("/tasks/?page_size=1000")]
    [InlineData("/agents/?page_size=101")]
    public async Task A_page_size_over_100_on_any_list_is_capped_not_refused(string pathAndQuery)
    {
        var page = await admin.GetObjectAsync(Routes.Base + pathAndQuery);

        Assert.True(Results(page).Count <= 100);
    }

    [Theory]
    [InlineData("/agents/?status=sleepy", "status")]
    [InlineData("/agents/?priority_weight__gte=heavy", "priority_weight__gte")]
    [InlineData("/assignments/?task=nope", "task")]
    [InlineData("/execution-logs/?log_level=LOUD", "log_level")]
    [InlineData("/execution-logs/?created_on__gte=notadate", "created_on__gte")]
    [InlineData("/rules/?rule_type=magic", "rule_type")]
    [InlineData("/rules/?page=0", "page")]
    [InlineData("/health/?status=fine", "status")]
    [InlineData("/health/?history=perhaps", "history")]
    public async Task A_bad_parameter_on_any_list_is_a_400_naming_it(string pathAndQuery, string parameter)
    {
        await admin.GetAsync(Routes.Base + pathAndQuery).FieldErrorAsync(parameter);
    }

    // ------------------------------------------------------------ transitions

    [Fact]
    public async Task Completing_a_completed_task_is_a_409_that_says_why()
    {
        var task = await admin.CreateTaskAsync($"complete-twice {Routes.Tag()}", taskType: "deployment");
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}complete/", new { output_data = new { first = true } }).ObjectAsync();

        var problem = await admin.PostJsonAsync($"{Routes.Task(Id(task))}complete/", new { output_data = new { second = true } }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("completed", (string?)problem["detail"]);
        Assert.Equal(true, (bool?)(await admin.GetTaskAsync(Id(task)))["output_data"]?["first"]);
    }

    [Fact]
    public async Task Retrying_a_pending_task_is_a_409_that_says_why()
    {
        var task = await admin.CreateTaskAsync($"retry-pending {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}retry/").ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("pending", (string?)problem["detail"]);
        Assert.Contains("failed", (string?)problem["detail"]);
        Assert.Equal(0, (int?)(await admin.GetTaskAsync(Id(task)))["retry_count"]);
    }

    [Fact]
    public async Task Starting_an_unassigned_task_is_a_409_that_says_why()
    {
        var task = await admin.CreateTaskAsync($"start-pending {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}start/").ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("assigned", (string?)problem["detail"]);
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);
    }

    [Fact]
    public async Task Cancelling_a_cancelled_task_and_escalating_a_completed_task_are_409()
    {
        var cancelled = await admin.CreateTaskAsync($"cancel-twice {Routes.Tag()}", autoAssign: false);
        await admin.PostEmptyAsync($"{Routes.Task(Id(cancelled))}cancel/").ObjectAsync();
        var completed = await admin.CreateTaskAsync($"escalate-done {Routes.Tag()}", autoAssign: false);
        await admin.PostJsonAsync($"{Routes.Task(Id(completed))}complete/", new { }).ObjectAsync();

        await admin.PostEmptyAsync($"{Routes.Task(Id(cancelled))}cancel/").ProblemAsync(HttpStatusCode.Conflict);
        await admin.PostEmptyAsync($"{Routes.Task(Id(completed))}escalate/").ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("medium", (string?)(await admin.GetTaskAsync(Id(completed)))["priority"]);
    }

    [Fact]
    public async Task Failing_a_task_nobody_holds_is_a_409()
    {
        var task = await admin.CreateTaskAsync($"fail-pending {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PostJsonAsync($"{Routes.Task(Id(task))}fail/", new { error_message = "boom" }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("pending", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Assigning_an_assigned_task_is_a_409()
    {
        var task = await admin.CreateTaskAsync($"assign-twice {Routes.Tag()}", taskType: "deployment");

        var problem = await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { action = "assign" }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("assigned", (string?)problem["detail"]);
    }

    [Fact]
    public async Task Assigning_to_an_unavailable_agent_is_refused_saying_why()
    {
        var (agentId, _, _) = await admin.CreateAgentAsync($"maint-{Routes.Tag()}");
        await admin.UpdateAgentStatusAsync(agentId, "set_maintenance");
        var task = await admin.CreateTaskAsync($"assign-maint {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { agent_id = agentId }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("maintenance", (string?)problem["detail"]);
        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);
    }

    [Fact]
    public async Task Reporting_progress_on_a_task_nobody_holds_is_a_409()
    {
        var task = await admin.CreateTaskAsync($"progress-pending {Routes.Tag()}", autoAssign: false);

        await admin.PostJsonAsync($"{Routes.Task(Id(task))}progress/", new { message = "working" }).ProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("pending", (string?)(await admin.GetTaskAsync(Id(task)))["status"]);
    }

    [Fact]
    public async Task Unblocking_a_task_that_is_not_blocked_is_a_409()
    {
        var task = await admin.CreateTaskAsync($"unblock {Routes.Tag()}", autoAssign: false);

        var problem = await admin.PostEmptyAsync($"{Routes.Task(Id(task))}unblock/").ProblemAsync(HttpStatusCode.Conflict);

        Assert.Contains("blocked", (string?)problem["detail"]);
    }
}
