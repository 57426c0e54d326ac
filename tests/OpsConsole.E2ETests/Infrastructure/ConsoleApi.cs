using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace OpsConsole.E2ETests.Infrastructure;

/// <summary>A machine client of the console's REST API, signed in with the bootstrap Admin key.</summary>
public sealed class ConsoleApi : IDisposable
{
    private readonly HttpClient http;

    public ConsoleApi(AppServer server)
    {
        http = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "api/v1/orchestration/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppServer.BootstrapKey);
    }

    /// <summary>POST tasks/: returns the task as the API answers it.</summary>
    public Task<JsonObject> CreateTaskAsync(string title, string priority = "medium", string taskType = "deployment", int? maxRetries = null, bool? autoEscalate = null)
    {
        var body = new JsonObject
        {
            ["title"] = title,
            ["description"] = "Created by the browser tests.",
            ["task_type"] = taskType,
            ["priority"] = priority,
        };
        if (maxRetries is { } retries)
        {
            body["max_retries"] = retries;
        }

        if (autoEscalate is { } escalate)
        {
            body["auto_escalate"] = escalate;
        }

        return PostAsync("tasks/", body);
    }

    /// <summary>POST tasks/{id}/fail/: the failure policy then retries, escalates or leaves it failed.</summary>
    public Task<JsonObject> FailAsync(string taskId, string errorMessage) =>
        PostAsync($"tasks/{taskId}/fail/", new JsonObject { ["error_message"] = errorMessage });

    /// <summary>POST webhooks/github as GitHub sends it: signed with the console's webhook secret, no bearer token.</summary>
    public async Task<JsonObject> DeliverWebhookAsync(string eventName, JsonObject payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, "webhooks/github") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add(OpsConsole.Features.Deployments.GitHubSignature.Header, OpsConsole.Features.Deployments.GitHubSignature.Sign(bytes, AppServer.WebhookSecret));
        using var response = await http.SendAsync(request);
        return await ReadAsync(response, $"POST webhooks/github ({eventName})");
    }

    public async Task<JsonObject> GetTaskAsync(string taskId)
    {
        using var response = await http.GetAsync($"tasks/{taskId}/");
        return await ReadAsync(response, $"GET tasks/{taskId}/");
    }

    /// <summary>A task that failed for good: no retries, no automatic escalation.</summary>
    public async Task<string> CreateFailedTaskAsync(string title)
    {
        var created = await CreateTaskAsync(title, maxRetries: 0, autoEscalate: false);
        var id = (string)created["id"]!;
        var failed = await FailAsync(id, "exit code 1 in step migrate");
        if ((string?)failed["status"] != "failed")
        {
            throw new InvalidOperationException($"Expected the task to stay failed, got: {failed.ToJsonString()}");
        }

        return id;
    }

    public void Dispose() => http.Dispose();

    private async Task<JsonObject> PostAsync(string path, JsonObject body)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content);
        return await ReadAsync(response, $"POST {path}");
    }

    private static async Task<JsonObject> ReadAsync(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{what} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!.AsObject();
    }
}
