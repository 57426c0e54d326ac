using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>Routes and request helpers shared by the API tests; every helper asserts the status it expects and shows the body when it differs.</summary>
public static class Routes
{
    public const string Base = "/api/v1/orchestration";
    public const string Tasks = Base + "/tasks/";
    public const string Agents = Base + "/agents/";
    public const string Assignments = Base + "/assignments/";
    public const string ExecutionLogs = Base + "/execution-logs/";
    public const string Rules = Base + "/rules/";
    public const string Health = Base + "/health/";
    public const string Status = Base + "/status/";

    public static string Task(object id) => $"{Tasks}{id}/";

    public static string Agent(object id) => $"{Agents}{id}/";

    /// <summary>A word unique to one test, to put in titles and find that test's tasks with ?search=.</summary>
    public static string Tag() => "t" + Guid.NewGuid().ToString("N")[..10];
}

public static class ApiTestExtensions
{
    private static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.PutAsJsonAsync(url, body, SnakeCase);

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string url, object body) =>
        client.PatchAsJsonAsync(url, body, SnakeCase);

    /// <summary>A body sent exactly as written (wrong kinds of JSON, odd spellings), as application/json.</summary>
    public static StringContent RawJson(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostEmptyAsync(this HttpClient client, string url) =>
        client.PostAsync(url, null);

    /// <summary>Fails with the response body when the status is not the expected one.</summary>
    public static async Task<HttpResponseMessage> ExpectAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected} {expected} but got {(int)response.StatusCode} {response.StatusCode}: {body}");
        }

        return response;
    }

    public static async Task<JsonObject> ObjectAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await (await call).ExpectAsync(expected)).ReadObjectAsync();

    public static async Task<JsonArray> ArrayAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await (await (await call).ExpectAsync(expected)).ReadNodeAsync()).AsArray();

    public static Task<JsonObject> GetObjectAsync(this HttpClient client, string url) => client.GetAsync(url).ObjectAsync();

    public static Task<JsonArray> GetArrayAsync(this HttpClient client, string url) => client.GetAsync(url).ArrayAsync();

    /// <summary>Creates a task (defaults: documentation, medium) and returns its detail.</summary>
    public static Task<JsonObject> CreateTaskAsync(this HttpClient client, string title, string taskType = "documentation", string priority = "medium", bool autoAssign = true, int? maxRetries = null, string? dueDate = null, string? description = null) =>
        client.PostJsonAsync(Routes.Tasks, new Dictionary<string, object?>
        {
            ["title"] = title,
            ["description"] = description ?? $"Test task {title}",
            ["task_type"] = taskType,
            ["priority"] = priority,
            ["auto_assign"] = autoAssign,
            ["max_retries"] = maxRetries ?? 3,
            ["due_date"] = dueDate,
        }).ObjectAsync(HttpStatusCode.Created);

    public static Task<JsonObject> GetTaskAsync(this HttpClient client, object id) => client.GetObjectAsync(Routes.Task(id));

    /// <summary>
    /// Reads the task until <paramref name="done"/> holds (something else changes it: a worker, a background job) and returns it;
    /// a failure shows the task as last read and <paramref name="detail"/>. <paramref name="done"/> may throw to stop waiting.
    /// </summary>
    public static async Task<JsonObject> WaitForTaskAsync(this HttpClient client, object id, Func<JsonObject, bool> done, string what, Func<string>? detail = null, TimeSpan? within = null)
    {
        JsonObject? last = null;
        return await Eventually.FindAsync(
            async () => done(last = await client.GetTaskAsync(id)) ? last : null,
            what,
            within,
            () => $"the task: {last?.ToJsonString()}\n{detail?.Invoke()}");
    }

    public static Task<JsonObject> GetAgentAsync(this HttpClient client, object id) => client.GetObjectAsync(Routes.Agent(id));

    /// <summary>Creates an agent through the API (Admin) and returns its id and its one-time token.</summary>
    public static async Task<(Guid Id, string Token, JsonObject Body)> CreateAgentAsync(
        this HttpClient admin, string name, string agentType = "general", string[]? capabilities = null, int maxConcurrentTasks = 3, double priorityWeight = 1.0)
    {
        var body = await admin.PostJsonAsync(Routes.Agents, new
        {
            name,
            agent_type = agentType,
            capabilities = capabilities ?? [],
            max_concurrent_tasks = maxConcurrentTasks,
            priority_weight = priorityWeight,
        }).ObjectAsync(HttpStatusCode.Created);
        return (Id(body), Str(body, "token"), body);
    }

    public static Task<JsonObject> UpdateAgentStatusAsync(this HttpClient admin, Guid agentId, string action) =>
        admin.PostJsonAsync($"{Routes.Agent(agentId)}update_status/", new { action }).ObjectAsync();

    /// <summary>Takes every seeded agent out of service, so a test decides exactly which agents exist.</summary>
    public static async Task DeactivateSeededAgentsAsync(this HttpClient admin)
    {
        var page = await admin.GetObjectAsync($"{Routes.Agents}?page_size=100");
        foreach (var agent in page["results"]!.AsArray())
        {
            await admin.UpdateAgentStatusAsync(Id(agent!), "deactivate");
        }
    }

    public static async Task<JsonObject> ProblemAsync(this Task<HttpResponseMessage> call, HttpStatusCode expected) =>
        await (await call).ProblemAsync(expected);

    /// <summary>Asserts an RFC 9457 problem with the given status and a message, and returns it.</summary>
    public static async Task<JsonObject> ProblemAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        await response.ExpectAsync(expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadObjectAsync();
        Assert.Equal((int)expected, (int?)problem["status"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"the problem has no detail: {problem.ToJsonString()}");
        return problem;
    }

    /// <summary>Asserts a 400 validation problem with an entry for <paramref name="field"/>, and returns that field's messages.</summary>
    public static async Task<string> FieldErrorAsync(this Task<HttpResponseMessage> call, string field)
    {
        var problem = await call.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem["errors"] as JsonObject;
        Assert.True(errors is not null && errors.ContainsKey(field), $"expected an error for '{field}' in {problem.ToJsonString()}");
        var messages = string.Join(" ", errors![field]!.AsArray().Select(m => (string?)m));
        Assert.False(string.IsNullOrWhiteSpace(messages));
        return messages;
    }

    public static Guid Id(JsonNode node) => Guid.Parse((string)node["id"]!);

    public static string Str(JsonNode node, string field) =>
        (string?)node[field] ?? throw new Xunit.Sdk.XunitException($"'{field}' is missing or null in {node.ToJsonString()}");

    public static DateTimeOffset Time(JsonNode node, string field) => DateTimeOffset.Parse(Str(node, field), System.Globalization.CultureInfo.InvariantCulture);

    public static IReadOnlyList<JsonObject> Results(JsonObject page) => page["results"]!.AsArray().Select(n => n!.AsObject()).ToList();

    /// <summary>The task's execution log, newest first.</summary>
    public static async Task<IReadOnlyList<JsonObject>> LogsAsync(this HttpClient client, object taskId) =>
        (await client.GetArrayAsync($"{Routes.Task(taskId)}execution_logs/")).Select(n => n!.AsObject()).ToList();

    public static DateTimeOffset Now(this OpsConsoleFactory app) => app.Time.GetUtcNow();

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A client whose key has the given role (admins use <see cref="OpsConsoleFactory.CreateAdminClient"/>).</summary>
    public static Task<HttpClient> ClientAsync(this OpsConsoleFactory app, ApiRole role) =>
        role == ApiRole.Admin ? Task.FromResult(app.CreateAdminClient()) : app.CreateClientAsync(role);
}
