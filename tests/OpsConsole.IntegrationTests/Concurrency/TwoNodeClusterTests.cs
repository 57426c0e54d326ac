using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>Two console processes, each with its own data directory (as two machines have), on one PostgreSQL and one Redis.</summary>
public sealed class ClusterNodes : IAsyncLifetime
{
    private readonly string root = AppProcess.NewRoot();

    public AppProcess A { get; private set; } = default!;

    public AppProcess B { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        var app = PostgresServer.NewDatabase("opsconsole");
        var hangfire = PostgresServer.NewDatabase("hangfire");
        A = await AppProcess.StartAsync(root, "node-a", Settings(app, hangfire, "node-a"));
        B = await AppProcess.StartAsync(root, "node-b", Settings(app, hangfire, "node-b"));
    }

    private Dictionary<string, string?> Settings(string app, string hangfire, string node) => new()
    {
        ["OpsConsole__DatabaseProvider"] = "postgres",
        ["ConnectionStrings__OpsConsole"] = app,
        ["ConnectionStrings__Hangfire"] = hangfire,
        ["ConnectionStrings__Redis"] = RedisServer.Configuration,
        ["OpsConsole__DataDirectory"] = Path.Combine(root, node, "data"),
        ["Orchestration__IntervalSeconds"] = "3600",
        ["Orchestration__HealthCheckIntervalSeconds"] = "3600",
        ["Orchestration__DeploymentCheckIntervalSeconds"] = "3600",
    };

    public async Task DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        AppProcess.DeleteRoot(root);
    }
}

/// <summary>
/// Issue 14 items 2 and 3: one key ring for both nodes (each decrypts what the other encrypted and accepts the other's
/// sign-in cookie and antiforgery token), hub messages and revocations across nodes.
/// </summary>
public sealed class TwoNodeClusterTests(ClusterNodes nodes) : IClassFixture<ClusterNodes>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_task_encrypted_by_node_a_is_read_by_node_b()
    {
        var created = await nodes.A.CreateClient(AppProcess.BootstrapKey).PostAsJsonAsync("tasks/", new
        {
            title = "Rotate the TLS certificate on web-1",
            task_type = "maintenance",
            auto_assign = false,
            input_data = new { host = "web-1", note = "encrypted at rest by node A" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        var read = JsonNode.Parse(await nodes.B.CreateClient(AppProcess.BootstrapKey).GetStringAsync($"tasks/{id}/"))!;

        Assert.Equal("encrypted at rest by node A", (string?)read["input_data"]!["note"]);
    }

    [Fact]
    public async Task A_person_signed_in_on_node_a_is_signed_in_on_node_b_and_a_form_from_one_posts_to_the_other()
    {
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false });
        var form = await browser.GetStringAsync(new Uri(nodes.A.BaseAddress, "/login"));
        var token = Loopback.AntiforgeryToken(form);

        // The form and its antiforgery token came from node A; the sign-in is posted to node B (same host, another port).
        var signIn = await browser.PostAsync(new Uri(nodes.B.BaseAddress, "/login"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = "admin",
            ["Input.Password"] = AppProcess.AdminPassword,
        }));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        // The cookie node B issued opens node A's pages.
        var page = await browser.GetAsync(new Uri(nodes.A.BaseAddress, "/tasks"));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Tasks", await page.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_agent_connected_to_node_b_receives_the_task_created_on_node_a()
    {
        var admin = nodes.A.CreateClient(AppProcess.BootstrapKey);
        var (agentId, token) = await NewAgentAsync(admin, "maintenance");
        await using var hub = Hub(nodes.B, token);
        var assigned = Channel.CreateUnbounded<JsonObject>();
        hub.On<JsonElement>("TaskAssigned", t => assigned.Writer.TryWrite(JsonNode.Parse(t.GetRawText())!.AsObject()));
        await hub.StartAsync();

        var created = await admin.PostAsJsonAsync("tasks/", new { title = "Outage on checkout", task_type = "maintenance", priority = "critical" });
        var id = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        using var timeout = new CancellationTokenSource(Patience);
        JsonObject task;
        do
        {
            task = await assigned.Reader.ReadAsync(timeout.Token);
        }
        while ((string?)task["id"] != id);
        Assert.Equal(agentId.ToString(), (string?)task["assigned_agent"]!["id"]);
    }

    [Fact]
    public async Task A_key_revoked_on_node_a_is_refused_by_node_b_at_once_and_its_connection_there_closes()
    {
        var admin = nodes.A.CreateClient(AppProcess.BootstrapKey);
        var created = JsonNode.Parse(await (await admin.PostAsJsonAsync("api-keys/", new { name = $"viewer-{Guid.NewGuid():N}"[..20], role = "viewer" })).Content.ReadAsStringAsync())!;
        var key = (string)created["key"]!;
        var onB = nodes.B.CreateClient(key);
        Assert.Equal(HttpStatusCode.OK, (await onB.GetAsync("tasks/")).StatusCode); // node B now remembers the key
        await using var hub = Hub(nodes.B, key);
        var closed = TestAgent.ClosedSignal(hub);
        await hub.StartAsync();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api-keys/{created["id"]}/")).StatusCode);

        await closed.WaitAsync(Patience);
        Assert.Equal(HttpStatusCode.Unauthorized, (await onB.GetAsync("tasks/")).StatusCode);
    }

    private static HubConnection Hub(AppProcess node, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(node.BaseAddress, "/hubs/orchestration"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .AddJsonProtocol(o => o.PayloadSerializerOptions = TestAgent.Json)
            .Build();

    /// <summary>A fresh agent able to take the given task type (the seeded ones cannot: they are all switched off).</summary>
    private static async Task<(Guid Id, string Token)> NewAgentAsync(HttpClient admin, string capability)
    {
        var agents = JsonNode.Parse(await admin.GetStringAsync("agents/?page_size=100"))!["results"]!.AsArray();
        foreach (var agent in agents)
        {
            await admin.PostAsJsonAsync($"agents/{agent!["id"]}/update_status/", new { action = "deactivate" });
        }

        var created = JsonNode.Parse(await (await admin.PostAsJsonAsync("agents/", new
        {
            name = $"responder-{Guid.NewGuid():N}"[..24],
            agent_type = "general",
            capabilities = new[] { capability },
            max_concurrent_tasks = 5,
        })).Content.ReadAsStringAsync())!;
        var id = Guid.Parse((string)created["id"]!);
        var token = (string)created["token"]!;
        using var agentClient = new HttpClient { BaseAddress = admin.BaseAddress };
        agentClient.DefaultRequestHeaders.Authorization = new("Bearer", token);
        await agentClient.PostAsync($"agents/{id}/heartbeat/", null);
        return (id, token);
    }
}
