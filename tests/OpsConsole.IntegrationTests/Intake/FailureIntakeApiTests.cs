using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>POST failures/ and the original's create_from_deployment_failure: dedup, regression, maintenance, redaction, bursts and bad input.</summary>
public sealed class FailureIntakeApiTests(IntakeFactory app) : IClassFixture<IntakeFactory>
{
    private const string Api = "/api/v1/orchestration";

    private static object Failure(string? deploymentId, string message = "Deployment failed: exit 1", string step = "deploy", string? environment = null, object? exitCode = null) => new
    {
        deployment_id = deploymentId,
        error_message = message,
        failed_step = step,
        environment,
        exit_code = exitCode,
        hostname = "web-1",
    };

    private async Task<JsonObject> PostAsync(object body, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var response = await app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", body);
        Assert.Equal(expected, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    private async Task<int> CountAsync(Func<IQueryable<WorkItem>, IQueryable<WorkItem>> filter)
    {
        await using var db = await app.DbAsync();
        return await filter(db.WorkItems).CountAsync();
    }

    [Fact]
    public async Task A_batch_answers_one_result_per_failure_in_order_and_a_success_entry_is_no_failure()
    {
        var (a, b) = (DeploymentLog.NewId(), DeploymentLog.NewId());

        var answer = await PostAsync(new
        {
            failures = new object[]
            {
                Failure(a),
                new { deployment_id = b, status = "success", exit_code = "0", logs = new[] { new { level = "WARNING", message = "permission denied on cache" } } },
                Failure(a, "Deployment failed again"),
            },
        });

        var results = answer["results"]!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.False((bool)results[0]!["deduplicated"]!);
        Assert.Equal($"deployment:{a}", (string?)results[0]!["fingerprint"]);
        Assert.Null(results[1]!["task_id"]);
        Assert.Contains("not a failure", (string?)results[1]!["ignored"], StringComparison.Ordinal);
        Assert.True((bool)results[2]!["deduplicated"]!);
        Assert.Equal((string?)results[0]!["task_id"], (string?)results[2]!["task_id"]);
        Assert.Equal(2, (int)results[2]!["occurrences"]!);
        Assert.Equal(1, (int)answer["created"]!);
    }

    [Fact]
    public async Task A_repeat_of_an_open_failure_adds_an_occurrence_and_after_completion_it_comes_back_as_a_regression()
    {
        var client = app.CreateAdminClient();
        var message = $"Migration 20261125_{Guid.NewGuid():N} failed: relation \"orders\" does not exist";

        var first = (await PostAsync(Failure(null, message, "migrate")))["results"]![0]!;
        var repeat = (await PostAsync(Failure(null, message.Replace("20261125", "20261126", StringComparison.Ordinal), "migrate")))["results"]![0]!;
        var taskId = (string)first["task_id"]!;
        Assert.True((bool)repeat["deduplicated"]!);
        Assert.Equal(taskId, (string?)repeat["task_id"]);

        var detail = await (await client.GetAsync($"{Api}/tasks/{taskId}/")).ReadObjectAsync();
        Assert.Equal(2, (int)detail["occurrences"]!);
        Assert.NotNull(detail["first_seen"]);
        var logs = await (await client.GetAsync($"{Api}/tasks/{taskId}/execution_logs/")).ReadNodeAsync();
        Assert.Contains(logs.AsArray(), l => (string?)l!["step_name"] == "occurrence");

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync($"{Api}/tasks/{taskId}/complete/", new { })).StatusCode);
        var regression = (await PostAsync(Failure(null, message, "migrate")))["results"]![0]!;

        Assert.False((bool)regression["deduplicated"]!);
        Assert.NotEqual(taskId, (string?)regression["task_id"]);
        Assert.Equal(taskId, (string?)regression["regression_of"]);
        Assert.Equal("regression", (string?)regression["outcome"]);
        var regressionDetail = await (await client.GetAsync($"{Api}/tasks/{regression["task_id"]}/")).ReadObjectAsync();
        Assert.Equal(taskId, (string?)regressionDetail["regression_of"]);
    }

    [Fact]
    public async Task Twenty_identical_failures_at_once_make_exactly_one_task()
    {
        var id = DeploymentLog.NewId();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", Failure(id))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        await using var db = await app.DbAsync();
        var task = await db.WorkItems.SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(id));
        Assert.Equal(20, task.Occurrences);
    }

    [Fact]
    public async Task The_audit_trail_keeps_the_task_a_failure_created_but_not_each_repeat_of_it()
    {
        var id = DeploymentLog.NewId();

        var first = (await PostAsync(Failure(id)))["results"]![0]!;
        foreach (var _ in Enumerable.Range(0, 3))
        {
            await PostAsync(Failure(id));
        }

        await using var db = await app.DbAsync();
        var taskId = (string)first["task_id"]!;
        var trail = await db.AuditEntries.Where(a => a.TargetType == "task" && a.TargetId == taskId).OrderBy(a => a.At).ToListAsync();
        Assert.Equal("created", trail[0].Action);
        Assert.DoesNotContain(trail, a => a.After is { } after && after.Contains("\"occurrences\"", StringComparison.Ordinal) && a.Action != "created");
        Assert.Equal(4, (await db.WorkItems.SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment(id))).Occurrences);
        Assert.Equal(4, await db.FailureRecords.CountAsync(f => f.Fingerprint == FailureFingerprint.ForDeployment(id)));

        // The task holds an agent of the shared pool; other tests here expect a free one.
        Assert.Equal(HttpStatusCode.OK, (await app.CreateAdminClient().PostAsync($"{Api}/tasks/{taskId}/cancel/", null)).StatusCode);
    }

    [Fact]
    public async Task A_storm_of_500_failures_with_10_fingerprints_yields_exactly_10_tasks()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var failures = Enumerable.Range(0, 500)
            .Select(i => Failure(null, $"storm {run} problem {(char)('a' + (i % 10))}: worker {i} crashed after {i * 7} ms", step: "storm", environment: "staging"))
            .ToList();

        var responses = await Task.WhenAll(failures.Chunk(100).Select(batch => app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", new { failures = batch })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        await using var db = await app.DbAsync();
        var tasks = await db.WorkItems.Where(w => w.Title.Contains($"storm {run}")).ToListAsync();
        Assert.Equal(10, tasks.Count);
        Assert.Equal(500, tasks.Sum(t => t.Occurrences));
        Assert.All(tasks, t => Assert.Equal("staging", t.Environment));
    }

    [Fact]
    public async Task During_a_maintenance_window_failures_are_recorded_but_create_no_task()
    {
        var client = app.CreateAdminClient();
        var rule = await client.PostJsonAsync($"{Api}/rules/", new
        {
            name = $"Maintenance {Guid.NewGuid():N}",
            rule_type = "monitoring",
            trigger_conditions = new { environment = "maint-test", starts_at = "2026-11-25T11:00:00Z", ends_at = "2026-11-25T13:00:00Z" },
            actions = new { maintenance = true },
        });
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        var (inside, outside) = (DeploymentLog.NewId(), DeploymentLog.NewId());

        var suppressed = (await PostAsync(Failure(inside, environment: "maint-test")))["results"]![0]!;
        var elsewhere = (await PostAsync(Failure(outside, environment: "maint-other")))["results"]![0]!;

        Assert.True((bool)suppressed["suppressed"]!);
        Assert.Null(suppressed["task_id"]);
        Assert.StartsWith("Maintenance", (string?)suppressed["maintenance_window"], StringComparison.Ordinal);
        Assert.NotNull(elsewhere["task_id"]);
        Assert.Equal(0, await CountAsync(q => q.Where(w => w.Fingerprint == FailureFingerprint.ForDeployment(inside))));
        var summary = await (await client.GetAsync($"{Api}/failures/summary/")).ReadObjectAsync();
        Assert.True((int)summary["last_24h"]!["suppressed"]! >= 1);
        Assert.Contains(summary["maintenance_windows"]!.AsArray(), w => (bool)w!["open_now"]! && (int)w["suppressed_total"]! >= 1);
        var recorded = await (await client.GetAsync($"{Api}/failures/?outcome=suppressed")).ReadObjectAsync();
        Assert.Contains(recorded["results"]!.AsArray(), r => (string?)r!["deployment_id"] == inside);
    }

    [Fact]
    public async Task Secrets_in_a_reported_failure_are_redacted_before_anything_is_stored()
    {
        var id = DeploymentLog.NewId();
        const string token = "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789";

        var result = (await PostAsync(new
        {
            deployment_id = id,
            error_message = $"git push failed with {token}; db postgresql://app:s3cr3t-pw@10.0.4.12/meats; AWS AKIAIOSFODNN7EXAMPLE",
            hostname = "web-1",
            logs = new[] { new { level = "ERROR", message = "Authorization: Bearer abcdef0123456789secret" } },
        }))["results"]![0]!;

        await using var db = await app.DbAsync();
        var task = await db.WorkItems.SingleAsync(w => w.Id == Guid.Parse((string)result["task_id"]!));
        var record = await db.FailureRecords.SingleAsync(f => f.DeploymentId == id);
        var logs = await db.LogEntries.Where(l => l.WorkItemId == task.Id).Select(l => l.Message + l.StepData).ToListAsync();
        foreach (var stored in new[] { task.Title, task.Description, task.InputData, record.ErrorMessage }.Concat(logs))
        {
            Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t-pw", stored, StringComparison.Ordinal);
            Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", stored, StringComparison.Ordinal);
        }

        Assert.Contains("postgresql://app:[REDACTED]@10.0.4.12", task.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recorded_failure_reads_back_through_every_filter_as_it_was_sent()
    {
        // Failure records are appended outside the change tracker (a storm brings hundreds a request): each column must be
        // stored in the form EF queries it in (ids, times, the outcome's name, the encrypted message), or these filters miss it.
        var id = DeploymentLog.NewId();
        var before = app.Time.GetUtcNow().UtcDateTime;
        var result = (await PostAsync(new { deployment_id = id, error_message = "npm ci failed: ERESOLVE could not resolve", failed_step = "install" }))["results"]![0]!;
        var taskId = Guid.Parse((string)result["task_id"]!);

        await using var db = await app.DbAsync();
        var record = await db.FailureRecords.SingleAsync(f =>
            f.WorkItemId == taskId && f.Outcome == IntakeOutcome.Created && f.ReceivedAt >= before && f.DeploymentId == id);
        Assert.Equal(record.Id, (await db.FailureRecords.AsNoTracking().SingleAsync(f => f.Id == record.Id)).Id);
        Assert.Equal("npm ci failed: ERESOLVE could not resolve", record.ErrorMessage);
        Assert.Equal("install", record.Step);

        var listed = await (await app.CreateAdminClient().GetAsync($"{Api}/failures/?outcome=created&page_size=100")).ReadObjectAsync();
        var row = Assert.Single(listed["results"]!.AsArray(), r => (string?)r!["deployment_id"] == id)!;
        Assert.Equal(taskId.ToString(), (string?)row["task_id"]);
        Assert.Equal("npm ci failed: ERESOLVE could not resolve", (string?)row["error_message"]);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_refused_with_413_and_nothing_is_stored()
    {
        var before = await CountAsync(q => q);
        var huge = $$"""{"deployment_id": "big", "error_message": "{{new string('x', 1_100_000)}}"}""";

        var response = await app.CreateAdminClient().PostRawAsync($"{Api}/failures/", huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(before, await CountAsync(q => q));
    }

    [Theory]
    [InlineData("{\"deployment_id\": \"x\", ", "not valid JSON")]
    [InlineData("[1, 2]", "JSON object")]
    [InlineData("{\"failures\": \"lots\"}", "failures must be a list")]
    [InlineData("{\"failures\": []}", "failures is empty")]
    [InlineData("{}", "error_message")]
    public async Task Malformed_bodies_are_refused_with_400_saying_why(string body, string expected)
    {
        var response = await app.CreateAdminClient().PostRawAsync($"{Api}/failures/", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_type_anywhere_in_a_batch_names_the_field_and_stores_nothing_of_the_batch()
    {
        var valid = DeploymentLog.NewId();

        var response = await app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", new
        {
            failures = new object[] { Failure(valid), Failure("b", exitCode: new[] { 1 }), new { error_message = "x", timestamp = "last tuesday" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.NotNull(problem["errors"]!["failures[1].exit_code"]);
        Assert.NotNull(problem["errors"]!["failures[2].timestamp"]);
        Assert.Equal(0, await CountAsync(q => q.Where(w => w.Fingerprint == FailureFingerprint.ForDeployment(valid))));
    }

    [Fact]
    public async Task A_batch_over_1000_failures_is_refused_and_says_to_split_it()
    {
        var response = await app.CreateAdminClient().PostJsonAsync($"{Api}/failures/", new { failures = Enumerable.Range(0, 1001).Select(i => new { error_message = "x" }) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 1000", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_viewer_may_not_report_failures()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);

        var response = await viewer.PostJsonAsync($"{Api}/failures/", Failure("x"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Create_from_deployment_failure_still_answers_201_with_the_task_and_a_repeat_returns_the_same_task()
    {
        var client = app.CreateAdminClient();
        var id = DeploymentLog.NewId();
        var body = new { deployment_id = id, error_message = "Database connection refused", failed_step = "migrate", server_hostname = "web-2", domain = "meatscentral.com", additional_info = new { region = "eu-west-1" } };

        var created = await client.PostJsonAsync($"{Api}/tasks/create_from_deployment_failure/", body);
        var repeated = await client.PostJsonAsync($"{Api}/tasks/create_from_deployment_failure/", body);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var task = await created.ReadObjectAsync();
        Assert.Equal($"🚨 PRODUCTION FAILURE: {id}", (string?)task["title"]);
        Assert.Equal("deployment", (string?)task["task_type"]);
        Assert.Equal("emergency", (string?)task["priority"]);
        Assert.Equal("assigned", (string?)task["status"]);
        Assert.Equal("manual_api_creation", (string?)task["source"]);
        Assert.Equal("02:00:00", (string?)task["estimated_duration"]);
        Assert.Equal("production_deployment_failure", (string?)task["input_data"]!["source"]);
        Assert.Equal("manual_api_creation", (string?)task["input_data"]!["error_details"]!["source"]);
        Assert.Equal("eu-west-1", (string?)task["input_data"]!["server_info"]!["region"]);
        Assert.Equal("web-2", (string?)task["input_data"]!["server_info"]!["hostname"]);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var again = await repeated.ReadObjectAsync();
        Assert.Equal((string?)task["id"], (string?)again["id"]);
        Assert.Equal(2, (int)again["occurrences"]!);
    }

    [Fact]
    public async Task Create_from_deployment_failure_requires_deployment_id_and_error_message()
    {
        var response = await app.CreateAdminClient().PostJsonAsync($"{Api}/tasks/create_from_deployment_failure/", new { deployment_id = new string('d', 101) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadObjectAsync();
        Assert.NotNull(problem["errors"]!["deployment_id"]);
        Assert.NotNull(problem["errors"]!["error_message"]);
    }

    [Fact]
    public async Task Create_from_deployment_failure_binds_its_body_and_names_every_bad_field_in_one_answer()
    {
        var json = """{"deployment_id": 5, "error_message": "  ", "additional_info": [1], "environment": "prod env!", "server_hostname": {"a": 1}}""";

        var response = await app.CreateAdminClient().PostAsync($"{Api}/tasks/create_from_deployment_failure/", ApiTestExtensions.RawJson(json));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(
            "deployment_id must be a string, not a number; error_message is required and may not be blank; server_hostname must be a string, not an object; " +
            "additional_info must be a JSON object, not a list; environment 'prod env!' is not an environment name; use letters, digits, '-', '_' or '.' (e.g. production)",
            (string?)problem["detail"]);
        Assert.Equal(["deployment_id", "error_message", "server_hostname", "additional_info", "environment"], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task The_dashboard_counts_deployment_failures_that_really_happened()
    {
        var client = app.CreateAdminClient();
        var before = (int)(await (await client.GetAsync($"{Api}/status/dashboard/")).ReadObjectAsync())["recent_deployment_failures"]!;

        await PostAsync(Failure(DeploymentLog.NewId()));

        var after = (int)(await (await client.GetAsync($"{Api}/status/dashboard/")).ReadObjectAsync())["recent_deployment_failures"]!;
        Assert.Equal(before + 1, after);
    }
}
