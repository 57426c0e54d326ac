using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// A seeded agent acting as a real external worker: its own token (issued by rotating it through the admin API),
/// a REST client and a hub connection over the test server (long polling), with the TaskAssigned pushes it receives.
/// </summary>
public sealed class TestAgent : IAsyncDisposable
{
    public const string Api = "/api/v1/orchestration";

    /// <summary>Long enough for real I/O on a busy machine; every wait on it ends as soon as the event arrives.</summary>
    public static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly Channel<JsonObject> assigned = Channel.CreateUnbounded<JsonObject>();

    private TestAgent(Guid id, string name, string token, HttpClient http, HubConnection hub)
    {
        Id = id;
        Name = name;
        Token = token;
        Http = http;
        Hub = hub;
        hub.On<JsonElement>("TaskAssigned", task => assigned.Writer.TryWrite(JsonNode.Parse(task.GetRawText())!.AsObject()));
    }

    public Guid Id { get; }
    public string Name { get; }
    public string Token { get; }
    public HttpClient Http { get; }
    public HubConnection Hub { get; }

    /// <summary>Issues a token for the named seeded agent and builds its clients; the hub connects only when asked.</summary>
    public static async Task<TestAgent> CreateAsync(OpsConsoleFactory app, string name, bool connect = true)
    {
        var id = await app.AgentIdAsync(name);
        var admin = app.CreateAdminClient();
        var rotated = await admin.PostAsync($"{Api}/agents/{id}/rotate_token/", null);
        rotated.EnsureSuccessStatusCode();
        var token = (string)(await rotated.ReadObjectAsync())["token"]!;
        var agent = new TestAgent(id, name, token, app.CreateClientWithToken(token), HubFor(app, token));
        if (connect)
        {
            await agent.Hub.StartAsync();
        }

        return agent;
    }

    /// <summary>A hub connection to the in-memory server with the given bearer token (an API key or an agent token).</summary>
    public static HubConnection HubFor(OpsConsoleFactory app, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/orchestration"), o =>
            {
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions = Json)
            .Build();

    /// <summary>Completes when <paramref name="hub"/> closes (the server aborted it, e.g. after a revocation).</summary>
    public static Task ClosedSignal(HubConnection hub)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    /// <summary>The next task pushed to this agent (TaskAssigned).</summary>
    public async Task<JsonObject> NextAssignedAsync()
    {
        using var timeout = new CancellationTokenSource(EventTimeout);
        try
        {
            return await assigned.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} received no TaskAssigned within {EventTimeout.TotalSeconds} s");
        }
    }

    /// <summary>True when a TaskAssigned for this task has already arrived (without waiting).</summary>
    public bool HasReceived(Guid taskId)
    {
        var found = false;
        var keep = new List<JsonObject>();
        while (assigned.Reader.TryRead(out var task))
        {
            found |= (string?)task["id"] == taskId.ToString();
            keep.Add(task);
        }

        keep.ForEach(t => assigned.Writer.TryWrite(t));
        return found;
    }

    public async Task<JsonObject> InvokeAsync(string method, params object?[] args) =>
        JsonNode.Parse((await Hub.InvokeCoreAsync<JsonElement>(method, args)).GetRawText())!.AsObject();

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        body is null ? Http.PostAsync($"{Api}/{path}", null) : Http.PostAsJsonAsync($"{Api}/{path}", body, Json);

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        Http.Dispose();
    }
}

public static class AppExtensions
{
    /// <summary>Creates a task through the API as the admin key and returns its detail.</summary>
    public static async Task<JsonObject> CreateTaskAsync(this OpsConsoleFactory app, object body)
    {
        var response = await app.CreateAdminClient().PostJsonAsync($"{TestAgent.Api}/tasks/", body);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return await response.ReadObjectAsync();
    }

    public static async Task<JsonObject> TaskAsync(this OpsConsoleFactory app, Guid id) =>
        await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/tasks/{id}/")).ReadObjectAsync();

    public static async Task<JsonObject> AgentAsync(this OpsConsoleFactory app, Guid id) =>
        await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/agents/{id}/")).ReadObjectAsync();

    public static async Task<JsonArray> LogsAsync(this OpsConsoleFactory app, Guid id) =>
        (await (await app.CreateAdminClient().GetAsync($"{TestAgent.Api}/tasks/{id}/execution_logs/")).ReadNodeAsync()).AsArray();

    public static T Service<T>(this OpsConsoleFactory app)
        where T : notnull => app.Services.GetRequiredService<T>();
}
