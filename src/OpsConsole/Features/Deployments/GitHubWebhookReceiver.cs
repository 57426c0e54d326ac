using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.Deployments;

/// <summary>
/// POST webhooks/github: checks the delivery's signature against GitHub:WebhookSecret, refuses a replayed delivery, and hands
/// what the event means (failed runs and deployments, closed or reopened issues) to the intake.
/// </summary>
internal static class GitHubWebhookReceiver
{
    [CanConflict]
    internal static async Task<Results<Accepted<WebhookDeliveryDto>, Ok<WebhookPongDto>, UnauthorizedProblem, BadRequestProblem, RequestProblem>> GitHubWebhookAsync(
        HttpRequest request, FailureIntake intake, IssueService issues, GitHubIntake issueIntake, PullRequestLoop pullRequests, DeploymentSettings settings, IConfiguration configuration, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("OpsConsole.Features.Deployments.GitHubWebhook");
        var secret = configuration["GitHub:WebhookSecret"];
        if (string.IsNullOrEmpty(secret))
        {
            return Problems.Unauthorized(
                "Webhooks are refused until the server has a secret: set GitHub:WebhookSecret and the same secret in the GitHub webhook's settings.");
        }

        var (bytes, tooLarge) = await RequestBody.ReadBytesAsync(request, cancellationToken);
        if (bytes is null)
        {
            return tooLarge!;
        }

        var signature = request.Headers[GitHubSignature.Header].ToString();
        if (string.IsNullOrWhiteSpace(signature))
        {
            DeploymentsLog.WebhookUnsigned(logger, request.HttpContext.Connection.RemoteIpAddress);
            return Problems.Unauthorized($"The delivery is not signed: GitHub sends {GitHubSignature.Header} when the webhook has a secret; set it to GitHub:WebhookSecret.");
        }

        if (!GitHubSignature.IsValid(bytes, signature, secret))
        {
            DeploymentsLog.WebhookSignatureWrong(logger, request.HttpContext.Connection.RemoteIpAddress);
            return Problems.Unauthorized($"{GitHubSignature.Header} does not match the body: the webhook's secret differs from GitHub:WebhookSecret, or the body was changed.");
        }

        var delivery = request.Headers["X-GitHub-Delivery"].ToString().Trim();
        var eventName = request.Headers["X-GitHub-Event"].ToString().Trim();
        if (delivery.Length is 0 or > 100 || eventName.Length is 0 or > 100)
        {
            return Problems.Invalid("X-GitHub-Delivery and X-GitHub-Event are required (at most 100 characters each), as GitHub sends them.");
        }

        JsonObject payload;
        try
        {
            payload = JsonNode.Parse(PayloadText(request, bytes), documentOptions: new JsonDocumentOptions { MaxDepth = 128 }) as JsonObject
                ?? throw new JsonException("the payload is not a JSON object");
        }
        catch (JsonException ex)
        {
            return Problems.Invalid($"The payload is not a JSON object: {ex.Message}");
        }

        // CI on the head of a pull request that works on a task is that task's business (the pull-request loop), not a new failure.
        var pullRequest = PullRequestEvents.HeadSha(eventName, payload) is { } head ? await pullRequests.PullRequestOfHeadAsync(head, cancellationToken) : null;
        var meaning = pullRequest is { } n
            ? new WebhookMeaning([], $"{eventName} on the head of pull request #{n}, which works on a task: its checks follow it")
            : GitHubFailureEvents.Interpret(eventName, payload, settings.DefaultEnvironment, delivery);
        var results = await intake.IngestAsync(meaning.Failures, new Actor("github_webhook", ActorKind.Engine), cancellationToken, async (db, now) =>
        {
            if (await db.WebhookDeliveries.AsNoTracking().FirstOrDefaultAsync(d => d.DeliveryId == delivery, cancellationToken) is { } earlier)
            {
                throw RefusedException.Conflict($"Delivery {delivery} was already received at {ApiJson.Timestamp(earlier.ReceivedAt)}; a replayed delivery creates nothing.");
            }

            db.WebhookDeliveries.Add(new WebhookDelivery { DeliveryId = delivery, Event = eventName, ReceivedAt = now });
        });
        if (eventName == "issues")
        {
            return Taken(new WebhookEventDto(eventName, delivery, await IssueEventAsync(payload, issues, issueIntake, cancellationToken)));
        }

        if (eventName == "pull_request")
        {
            var result = PullRequestEvents.PullRequest(payload) is { } pr && issues.IsOurRepository(Text((payload["repository"] as JsonObject)?["full_name"]))
                ? await pullRequests.PullRequestEventAsync(pr, cancellationToken)
                : "not a pull request of the configured repository";
            return Taken(new WebhookEventDto(eventName, delivery, result));
        }

        if (pullRequest is not null && PullRequestEvents.Check(eventName, payload) is { } check)
        {
            return Taken(new WebhookCheckDto(eventName, delivery, meaning.Ignored, await pullRequests.CheckEventAsync(check, cancellationToken)));
        }

        if (eventName == "ping")
        {
            return TypedResults.Ok(new WebhookPongDto("pong", payload["zen"]?.ToString()));
        }

        var answer = FailureBatchDto.From(results.Select(FailureResultDto.From).ToList());
        return Taken(new WebhookFailuresDto(eventName, delivery, meaning.Ignored, answer.Results, answer.Created, answer.Deduplicated, answer.Suppressed));
    }

    private static Accepted<WebhookDeliveryDto> Taken(WebhookDeliveryDto answer) => TypedResults.Accepted((string?)null, answer);

    /// <summary>
    /// An issue event: opened, labeled or reopened with GitHub:IntakeLabel takes the issue in as a task; edited and labeled
    /// follow onto its task; closed (and reopened) is recorded on the task linked to it, closing completes or cancels it.
    /// </summary>
    private static async Task<string> IssueEventAsync(JsonObject payload, IssueService issues, GitHubIntake intake, CancellationToken cancellationToken)
    {
        var action = Text(payload["action"]);
        if (action is null || payload["issue"] is not JsonObject issue
            || issue["number"]?.GetValueKind() != JsonValueKind.Number || !issue["number"]!.AsValue().TryGetValue<int>(out var number) || number < 1)
        {
            return "an issue event without an action and an issue number changes nothing";
        }

        var repository = Text((payload["repository"] as JsonObject)?["full_name"]);
        var sender = Text((payload["sender"] as JsonObject)?["login"]);
        var results = new List<string>();
        if (action is "closed" or "reopened")
        {
            results.Add(await issues.IssueClosedOnGitHubAsync(number, repository, action == "closed", Text(issue["state_reason"]), sender, cancellationToken));
        }

        if (action is "opened" or "labeled" or "reopened" or "edited" && issue["pull_request"] is null && issues.IsOurRepository(repository))
        {
            var labels = (issue["labels"] as JsonArray ?? []).Select(l => Text((l as JsonObject)?["name"])).OfType<string>().ToList();
            var incoming = new IncomingIssue(number, Text(issue["html_url"]) ?? "", Text(issue["title"]) ?? "", Text(issue["body"]) ?? "", labels,
                Text(issue["state"]) != "closed");
            results.Add(await intake.IssueEventAsync(action, incoming, Text((payload["label"] as JsonObject)?["name"]), sender, cancellationToken));
        }

        return results.Count > 0 ? string.Join("; ", results) : $"'{action}' on an issue changes nothing here";
    }

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    /// <summary>GitHub sends JSON, or (content type application/x-www-form-urlencoded) the JSON in a form field named payload.</summary>
    private static string PayloadText(HttpRequest request, byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (var pair in text.Split('&'))
            {
                if (pair.StartsWith("payload=", StringComparison.Ordinal))
                {
                    return WebUtility.UrlDecode(pair["payload=".Length..]);
                }
            }
        }

        return text;
    }
}
