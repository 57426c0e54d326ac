using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Security;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Trust ends when it should (#20): revoking a key, rotating or deactivating an agent, or changing a person closes what is
/// open with the old credential at once, and an expired key stops at its expiry whatever the credential cache remembers.
/// </summary>
public sealed class RevocationTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Primary = "DeploymentAgent-Primary";

    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task A_revoked_keys_open_hub_connection_is_closed_at_once_and_cannot_reconnect()
    {
        var (keyId, key) = await CreateKeyAsync("Viewer");
        await using var hub = TestAgent.HubFor(app, key);
        var closed = TestAgent.ClosedSignal(hub);
        await hub.StartAsync();

        await (await admin.DeleteAsync($"{Routes.Base}/api-keys/{keyId}/")).ExpectAsync(HttpStatusCode.NoContent);

        await closed.WaitAsync(TestAgent.EventTimeout);
        await using var again = TestAgent.HubFor(app, key);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => again.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Rotating_an_agents_token_closes_the_connection_opened_with_the_old_one()
    {
        await using var agent = await TestAgent.CreateAsync(app, Primary);
        var closed = TestAgent.ClosedSignal(agent.Hub);

        await (await admin.PostAsync($"{Routes.Agent(agent.Id)}rotate_token/", null)).ExpectAsync(HttpStatusCode.OK);

        await closed.WaitAsync(TestAgent.EventTimeout);
        await agent.Http.GetAsync($"{Routes.Agents}me/").ProblemAsync(HttpStatusCode.Unauthorized);
        await using var db = await app.DbAsync();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.TargetType == "agent" && a.TargetId == agent.Id.ToString() && a.Action == "token_rotated"),
            "the rotation is in the audit trail");
    }

    [Fact]
    public async Task A_deactivated_agents_token_is_refused_until_it_is_activated_again()
    {
        var (agentId, token, _) = await admin.CreateAgentAsync($"deactivated-{Routes.Tag()}");
        var client = app.CreateClientWithToken(token);
        await (await client.GetAsync($"{Routes.Agents}me/")).ExpectAsync(HttpStatusCode.OK);
        await using var hub = TestAgent.HubFor(app, token);
        var closed = TestAgent.ClosedSignal(hub);
        await hub.StartAsync();

        await admin.UpdateAgentStatusAsync(agentId, "deactivate");

        await closed.WaitAsync(TestAgent.EventTimeout);
        var refused = await client.GetAsync($"{Routes.Agents}me/").ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("deactivated", (string?)refused["detail"]);
        await client.PostAsync($"{Routes.Agent(agentId)}heartbeat/", null).ProblemAsync(HttpStatusCode.Unauthorized);

        await admin.UpdateAgentStatusAsync(agentId, "activate");
        await (await client.PostAsync($"{Routes.Agent(agentId)}heartbeat/", null)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_expired_key_stops_at_its_expiry_even_while_the_credential_cache_remembers_it()
    {
        var (_, key) = await CreateKeyAsync("Viewer", expiresAt: app.Now().AddSeconds(30));
        var client = app.CreateClientWithToken(key);
        await (await client.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK);

        app.Time.Advance(TimeSpan.FromSeconds(29));
        await (await client.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK);
        app.Time.Advance(TimeSpan.FromSeconds(2));

        await client.GetAsync(Routes.Tasks).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_agent_that_gives_a_task_back_stops_receiving_its_changes()
    {
        await using var own = new OpsConsoleFactory(); // the seeded agents are switched off: a class-wide app would lose them
        var ownAdmin = own.CreateAdminClient();
        await ownAdmin.DeactivateSeededAgentsAsync();
        await ownAdmin.UpdateAgentStatusAsync(await own.AgentIdAsync(Primary), "activate");
        await using var agent = await TestAgent.CreateAsync(own, Primary, connect: false);
        var agentSaw = ChangesOf(agent.Hub);
        await agent.Hub.StartAsync();
        await using var observer = TestAgent.HubFor(own, OpsConsoleFactory.BootstrapKey);
        var observerSaw = ChangesOf(observer);
        await observer.StartAsync();
        var taskId = Id(await ownAdmin.CreateTaskAsync($"given back {Routes.Tag()}", taskType: "deployment", priority: "high"));
        Assert.Equal(taskId.ToString(), (string?)(await agent.NextAssignedAsync())["id"]);
        await agent.Hub.InvokeAsync("FollowTask", taskId.ToString());
        await ownAdmin.CreateAgentAsync($"next-{Routes.Tag()}", capabilities: ["deployment"]);

        var released = await agent.InvokeAsync("ReleaseTask", taskId.ToString());
        Assert.NotEqual(Primary, (string?)released["assigned_agent_name"]);
        await (await ownAdmin.PostJsonAsync($"{Routes.Task(taskId)}escalate/", new { reason = "after the release" })).ExpectAsync(HttpStatusCode.OK);

        // Observers hear a change before its task's followers do: once the observer has the escalation, so would the agent.
        await NextAsync(observerSaw, c => (string?)c["id"] == taskId.ToString() && (int?)c["escalation_level"] == 1);
        Assert.DoesNotContain(Drain(agentSaw), c => (string?)c["id"] == taskId.ToString() && (int?)c["escalation_level"] == 1);
    }

    private async Task<(Guid Id, string Key)> CreateKeyAsync(string role, DateTimeOffset? expiresAt = null)
    {
        var created = await admin.PostJsonAsync($"{Routes.Base}/api-keys/", new { name = $"key-{Routes.Tag()}", role, expires_at = expiresAt is { } at ? Iso(at) : null })
            .ObjectAsync(HttpStatusCode.Created);
        return (Id(created), (string)created["key"]!);
    }

    private static Channel<JsonObject> ChangesOf(HubConnection hub)
    {
        var changes = Channel.CreateUnbounded<JsonObject>();
        hub.On<JsonElement>("TaskChanged", t => changes.Writer.TryWrite(JsonNode.Parse(t.GetRawText())!.AsObject()));
        return changes;
    }

    private static async Task<JsonObject> NextAsync(Channel<JsonObject> changes, Func<JsonObject, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TestAgent.EventTimeout);
        while (true)
        {
            var change = await changes.Reader.ReadAsync(timeout.Token);
            if (wanted(change))
            {
                return change;
            }
        }
    }

    private static List<JsonObject> Drain(Channel<JsonObject> changes)
    {
        var all = new List<JsonObject>();
        while (changes.Reader.TryRead(out var change))
        {
            all.Add(change);
        }

        return all;
    }
}
