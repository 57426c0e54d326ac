using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Integrations.Notifications;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>A webhook receiver on a loopback port: records every POST, and answers 500 while told to fail.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private int failures;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<(string Body, IReadOnlyDictionary<string, string> Headers)> Received { get; } = new();

    public string Url { get; private set; } = "";

    public void FailNext(int count) => Interlocked.Exchange(ref failures, count);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = Loopback.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var web = builder.Build();
        var receiver = new WebhookReceiver(web) { Url = $"http://127.0.0.1:{port}/hook" };
        web.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref receiver.failures) >= 0)
            {
                return Microsoft.AspNetCore.Http.Results.StatusCode(500);
            }

            receiver.Received.Enqueue((body, request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await web.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

/// <summary>A second app on the same data directory as <see cref="NotificationTests"/>' first one: a restart.</summary>
public sealed class RestartedOpsConsole(string dataDirectory) : OpsConsoleFactory(dataDirectory);

/// <summary>notification rules: events posted as JSON with text, signed, retried with backoff, never delivered twice, across a restart.</summary>
public sealed class NotificationTests : IAsyncLifetime
{
    private const string Secret = "hook-secret-0123456789";
    private WebhookReceiver receiver = null!;

    public async Task InitializeAsync() => receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await receiver.DisposeAsync();

    private static Task<NotificationPass> DeliverAsync(OpsConsoleFactory app) => app.Services.GetRequiredService<NotificationSender>().DeliverAsync(CancellationToken.None);

    private async Task<JsonObject> NotificationRuleAsync(HttpClient admin, string tag, params string[] events) =>
        await admin.PostJsonAsync(Routes.Rules, new
        {
            name = $"notify {tag}",
            rule_type = "notification",
            trigger_conditions = new { title_contains = tag },
            actions = new { url = receiver.Url, events, secret = Secret },
        }).ObjectAsync(HttpStatusCode.Created);

    [Fact]
    public async Task An_emergency_task_is_posted_once_with_text_and_a_valid_signature_and_shows_on_the_integrations_route()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        var tag = Routes.Tag();
        var rule = await NotificationRuleAsync(admin, tag, "emergency_created", "escalated");
        Assert.Equal("********", (string?)rule["actions"]!["secret"]);

        var task = await admin.CreateTaskAsync($"fire {tag}", priority: "emergency", autoAssign: false);
        await Task.WhenAll(DeliverAsync(app), DeliverAsync(app), DeliverAsync(app)); // three senders at once: one claims the row
        await DeliverAsync(app);

        var (body, headers) = Assert.Single(receiver.Received);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("emergency_created", (string?)json["event"]);
        Assert.Contains($"fire {tag}", (string?)json["text"]);
        Assert.Equal(Id(task).ToString(), (string?)json["task"]!["id"]);
        Assert.Equal(NotificationSender.Sign(Secret, body), headers[NotificationSender.SignatureHeader]);
        Assert.Equal("emergency_created", headers[NotificationSender.EventHeader]);
        var status = await admin.GetObjectAsync($"{Routes.Base}/integrations/notifications/");
        Assert.Contains(status["recent"]!.AsArray(), d => (string?)d!["rule"] == $"notify {tag}" && (string?)d["state"] == "delivered");
        Assert.Equal(1, (int?)(await admin.GetObjectAsync($"{Routes.Rules}{Id(rule)}/"))["trigger_count"]);
    }

    [Fact]
    public async Task A_run_that_goes_over_its_budget_is_notified_once_as_budget_exceeded()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        await admin.DeactivateSeededAgentsAsync();
        var tag = Routes.Tag();
        await NotificationRuleAsync(admin, tag, "budget_exceeded");
        var (agentId, token, _) = await admin.CreateAgentAsync($"spender-{tag}", capabilities: ["documentation"]);
        var agent = app.CreateClientWithToken(token);
        await agent.PostEmptyAsync($"{Routes.Agent(agentId)}heartbeat/");
        var task = await admin.PostJsonAsync(Routes.Tasks, new { title = $"costly {tag}", task_type = "documentation", budget_usd = 1.00 }).ObjectAsync(HttpStatusCode.Created);
        var taskId = Id(task);
        Assert.Equal(HttpStatusCode.OK, (await agent.PostEmptyAsync($"{Routes.Task(taskId)}start/")).StatusCode);

        var over = new { message = "rewrote the guide", usage = new { input_tokens = 90_000, output_tokens = 20_000, cost_usd = 1.25, model = "gpt-5" } };
        Assert.Equal(HttpStatusCode.Created, (await agent.PostJsonAsync($"{Routes.Task(taskId)}progress/", over)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await agent.PostJsonAsync($"{Routes.Task(taskId)}progress/", over)).StatusCode); // the run is revoked
        await DeliverAsync(app);
        await DeliverAsync(app);

        var (body, headers) = Assert.Single(receiver.Received);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("budget_exceeded", (string?)json["event"]);
        Assert.Equal(taskId.ToString(), (string?)json["task"]!["id"]);
        Assert.Contains("Budget exceeded", (string?)json["text"], StringComparison.Ordinal);
        Assert.Equal(NotificationSender.Sign(Secret, body), headers[NotificationSender.SignatureHeader]);
    }

    [Fact]
    public async Task A_failed_delivery_is_retried_after_its_backoff_and_then_delivered_once()
    {
        await using var app = new OpsConsoleFactory();
        var admin = app.CreateAdminClient();
        var tag = Routes.Tag();
        await NotificationRuleAsync(admin, tag, "escalated");
        var task = await admin.CreateTaskAsync($"escalate {tag}", autoAssign: false);
        receiver.FailNext(1);

        await admin.PostJsonAsync($"{Routes.Task(Id(task))}escalate/", new { reason = "customer outage" }).ObjectAsync();
        var first = await DeliverAsync(app);
        Assert.Equal((0, 1), (first.Delivered, first.Retrying));

        app.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(0, (await DeliverAsync(app)).Delivered); // still backing off (30 s)
        app.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, (await DeliverAsync(app)).Delivered);
        await DeliverAsync(app);

        var (body, _) = Assert.Single(receiver.Received);
        Assert.Equal("escalated", (string?)JsonNode.Parse(body)!["event"]);
        Assert.Contains("customer outage", (string?)JsonNode.Parse(body)!["text"]);
    }

    [Fact]
    public async Task A_queued_notification_survives_a_restart_and_is_delivered_exactly_once()
    {
        var directory = OpsConsoleFactory.NewDataDirectory();
        var tag = Routes.Tag();
        await using (var first = new RestartedOpsConsole(directory))
        {
            var admin = first.CreateAdminClient();
            await NotificationRuleAsync(admin, tag, "needs_attention", "failed_final");
            await first.HeartbeatAllAsync();
            var task = await admin.CreateTaskAsync($"gives up {tag}", taskType: "deployment", priority: "emergency", maxRetries: 0);
            await admin.PostJsonAsync($"{Routes.Task(Id(task))}fail/", new { error_message = "exit 1" }).ObjectAsync();
        }

        Assert.Empty(receiver.Received);
        await using (var second = new RestartedOpsConsole(directory))
        {
            second.CreateAdminClient();
            await DeliverAsync(second);
            await DeliverAsync(second);
        }

        await using (var third = new RestartedOpsConsole(directory))
        {
            third.CreateAdminClient();
            await DeliverAsync(third);
        }

        Assert.Equal(["failed_final", "needs_attention"], receiver.Received.Select(r => (string)JsonNode.Parse(r.Body)!["event"]!).Order());
        Directory.Delete(directory, recursive: true);
    }
}
