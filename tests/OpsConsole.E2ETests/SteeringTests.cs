using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>Steering from the task page (#15): an operator types a message, the agent running the task hears it over the hub.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class SteeringTests(ConsoleFixture console)
{
    [Fact]
    public async Task A_message_sent_from_the_task_page_reaches_the_agent_that_holds_the_task()
    {
        using var admin = new HttpClient { BaseAddress = new Uri(console.Server.BaseAddress, "api/v1/orchestration/") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppServer.BootstrapKey);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var agent = await PostAsync(admin, "agents/", new { name = $"steered-{tag}", agent_type = "general", capabilities = new[] { "documentation" } });
        var agentId = (string)agent["id"]!;
        var heard = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(console.Server.BaseAddress, "hubs/orchestration"), o => o.AccessTokenProvider = () => Task.FromResult<string?>((string)agent["token"]!))
            .Build();
        hub.On<JsonElement>("TaskMessage", m => heard.TrySetResult(JsonNode.Parse(m.GetRawText())!.AsObject()));
        await hub.StartAsync();
        await hub.InvokeAsync<JsonElement>("Heartbeat");
        var task = await PostAsync(admin, "tasks/", new { title = $"Write the runbook {tag}", task_type = "documentation", priority = "low", auto_assign = false });
        var taskId = (string)task["id"]!;
        await PostAsync(admin, $"tasks/{taskId}/assign/", new { agent_id = agentId });
        await hub.InvokeAsync<JsonElement>("StartTask", taskId);

        await using var context = await console.SignedInContextAsync();
        var page = new TaskDetailPage(await context.NewPageAsync());
        await page.OpenAsync(taskId);
        await page.WaitUntilInteractiveAsync();
        await page.MessageText.FillAsync("Link the on-call rota in the first section");
        await page.SendMessage.ClickAsync();

        var message = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(taskId, (string?)message["task_id"]);
        Assert.Equal("Link the on-call rota in the first section", (string?)message["text"]);
        Assert.Equal(AppServer.AdminUser, (string?)message["author"]);
        await Expect(page.Messages).ToContainTextAsync("Link the on-call rota in the first section");
        await Expect(page.Timeline).ToContainTextAsync("Message from");
        await Expect(page.MessageText).ToHaveValueAsync("");
        await Screenshots.SaveAsync(page.Page, "task-steering");
    }

    private static async Task<JsonObject> PostAsync(HttpClient client, string path, object body)
    {
        var response = await client.PostAsJsonAsync(path, body, new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }
}
