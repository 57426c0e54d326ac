using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Intake;

/// <summary>POST webhooks/github with GitHub's real payload shapes: signed, unsigned, wrongly signed and replayed deliveries.</summary>
public sealed class GitHubWebhookTests(IntakeFactory app) : IClassFixture<IntakeFactory>
{
    private const string Url = "/api/v1/orchestration/webhooks/github";

    private static string Sample(string name) => File.ReadAllText(RepositoryRoot.Combine("samples", "github", name));

    /// <summary>A delivery as GitHub sends it: no bearer token, the event and delivery headers, and the signature.</summary>
    private async Task<HttpResponseMessage> DeliverAsync(string eventName, string payload, string? delivery = null, string? signature = null, bool sign = true)
    {
        var client = app.CreateClientWithToken(null);
        var body = Encoding.UTF8.GetBytes(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "GitHub-Hookshot/8e5b1a3");
        if (sign)
        {
            request.Headers.Add(GitHubSignature.Header, signature ?? GitHubSignature.Sign(body, IntakeFactory.WebhookSecret));
        }

        return await client.SendAsync(request);
    }

    private async Task<int> WebhookTasksAsync()
    {
        await using var db = await app.DbAsync();
        return await db.WorkItems.CountAsync(w => w.Source == FailureChannels.GitHubWebhook);
    }

    [Fact]
    public async Task A_signed_failed_workflow_run_becomes_an_assigned_deployment_task_and_its_replay_is_refused()
    {
        var delivery = Guid.NewGuid().ToString();
        var payload = Sample("workflow_run.failure.json").Replace("\"run_number\": 482", "\"run_number\": 1482", StringComparison.Ordinal)
            .Replace("Deploy to production", "Deploy to production (replay test)", StringComparison.Ordinal);

        var first = await DeliverAsync("workflow_run", payload, delivery);
        var before = await WebhookTasksAsync();
        var replay = await DeliverAsync("workflow_run", payload, delivery);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var answer = await first.ReadObjectAsync();
        var result = answer["results"]!.AsArray().Single()!;
        Assert.False((bool)result["deduplicated"]!);
        await using var db = await app.DbAsync();
        var task = await db.WorkItems.Include(w => w.AssignedAgent).SingleAsync(w => w.Id == Guid.Parse((string)result["task_id"]!));
        Assert.Equal(WorkItemKind.Deployment, task.Kind);
        Assert.NotNull(task.AssignedAgent);
        Assert.Contains("Workflow 'Deploy to production (replay test)' concluded failure on main", task.Description, StringComparison.Ordinal);
        Assert.Contains("https://github.com/meats-central/projectmeats/actions/runs/12011593460", task.Description, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Contains(delivery, await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await WebhookTasksAsync());
        Assert.Equal(1, (await db.WorkItems.AsNoTracking().SingleAsync(w => w.Id == task.Id)).Occurrences);
    }

    [Fact]
    public async Task The_next_delivery_of_the_same_failing_workflow_is_an_occurrence_not_a_new_task()
    {
        var payload = Sample("workflow_run.failure.json").Replace("Deploy to production", "Nightly deploy", StringComparison.Ordinal);
        var next = payload.Replace("\"run_number\": 482", "\"run_number\": 483", StringComparison.Ordinal)
            .Replace("4f2c9e1ab7d3c5e8f0a1b2c3d4e5f60718293a4b", "0a1b2c3d4e5f60718293a4b4f2c9e1ab7d3c5e8f", StringComparison.Ordinal);

        var first = await (await DeliverAsync("workflow_run", payload)).ReadObjectAsync();
        var second = await (await DeliverAsync("workflow_run", next)).ReadObjectAsync();

        Assert.Equal((string?)first["results"]![0]!["task_id"], (string?)second["results"]![0]!["task_id"]);
        Assert.True((bool)second["results"]![0]!["deduplicated"]!);
    }

    [Fact]
    public async Task Unsigned_and_wrongly_signed_deliveries_get_401_and_create_nothing()
    {
        var payload = Sample("check_run.failure.json");
        var before = await WebhookTasksAsync();

        var unsigned = await DeliverAsync("check_run", payload, sign: false);
        var wrong = await DeliverAsync("check_run", payload, signature: GitHubSignature.Sign(Encoding.UTF8.GetBytes(payload), "another secret"));
        var tampered = await DeliverAsync("check_run", payload.Replace("feature/checkout-v2", "main", StringComparison.Ordinal),
            signature: GitHubSignature.Sign(Encoding.UTF8.GetBytes(payload), IntakeFactory.WebhookSecret));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        Assert.Contains("GitHub:WebhookSecret", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await WebhookTasksAsync());
    }

    [Fact]
    public async Task A_failed_check_run_becomes_a_task_named_after_the_check()
    {
        var response = await DeliverAsync("check_run", Sample("check_run.failure.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var taskId = (string)(await response.ReadObjectAsync())["results"]![0]!["task_id"]!;
        await using var db = await app.DbAsync();
        var task = await db.WorkItems.SingleAsync(w => w.Id == Guid.Parse(taskId));
        Assert.Contains("backend-tests (3.12)", task.Title, StringComparison.Ordinal);
        Assert.Contains("3 tests failed", task.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_deployment_status_becomes_a_task_in_the_deployments_environment()
    {
        var response = await DeliverAsync("deployment_status", Sample("deployment_status.failure.json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var db = await app.DbAsync();
        var task = await db.WorkItems.SingleAsync(w => w.Fingerprint == FailureFingerprint.ForDeployment("github-deployment-1987654321"));
        Assert.Equal("staging", task.Environment);
        Assert.Equal("🚨 STAGING FAILURE: github-deployment-1987654321", task.Title);
    }

    [Fact]
    public async Task Successful_runs_and_pings_are_acknowledged_without_a_task()
    {
        var before = await WebhookTasksAsync();

        var success = await DeliverAsync("workflow_run", Sample("workflow_run.success.json"));
        var ping = await DeliverAsync("ping", """{"zen": "Design for failure.", "hook_id": 1}""");

        Assert.Equal(HttpStatusCode.Accepted, success.StatusCode);
        Assert.Contains("not a failure", (string?)(await success.ReadObjectAsync())["ignored"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        Assert.Equal(before, await WebhookTasksAsync());
    }

    [Fact]
    public async Task A_signed_delivery_that_is_not_json_is_a_400()
    {
        var response = await DeliverAsync("workflow_run", "not json at all");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
