using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.Features.Deployments;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.GitHub;

/// <summary>Webhook deliveries as GitHub sends them: signed with the app's secret, with the event and a fresh delivery id.</summary>
internal static class GitHubDeliveries
{
    public const string Url = "/api/v1/orchestration/webhooks/github";

    public static async Task<HttpResponseMessage> PostAsync(this OpsConsoleFactory app, string eventName, JsonObject payload, string secret = GitHubApp.WebhookSecret)
    {
        payload["repository"] ??= new JsonObject { ["full_name"] = $"{FakeGitHub.Owner}/{FakeGitHub.Repo}" };
        payload["sender"] ??= new JsonObject { ["login"] = "octocat" };
        var bytes = Encoding.UTF8.GetBytes(payload.ToJsonString());
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-GitHub-Event", eventName);
        request.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
        request.Headers.Add("User-Agent", "GitHub-Hookshot/8e5b1a3");
        request.Headers.Add(GitHubSignature.Header, GitHubSignature.Sign(bytes, secret));
        return await app.CreateClientWithToken(null).SendAsync(request);
    }

    /// <summary>An issues event for an issue of the fake GitHub, as it is now.</summary>
    public static JsonObject IssueEvent(string action, FakeIssue issue, string? label = null) => new()
    {
        ["action"] = action,
        ["issue"] = new JsonObject
        {
            ["number"] = issue.Number,
            ["title"] = issue.Title,
            ["body"] = issue.Body,
            ["state"] = issue.State,
            ["html_url"] = FakeGitHub.HtmlUrl(issue),
            ["labels"] = new JsonArray([.. issue.Labels.Select(l => (JsonNode)new JsonObject { ["name"] = l })]),
        },
        ["label"] = label is null ? null : new JsonObject { ["name"] = label },
    };
}
