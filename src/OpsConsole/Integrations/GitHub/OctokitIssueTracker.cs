using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using Octokit;

namespace OpsConsole.Integrations.GitHub;

/// <summary>
/// The issue tracker on GitHub through Octokit (GitHub:ApiUrl for GitHub Enterprise or a fake in tests). Every write first
/// takes a slot from the throttle; every answer's rate-limit headers are recorded; every failure becomes an
/// <see cref="IssueTrackerException"/> that says whether to wait, back off, or give up on this one change.
/// </summary>
public sealed class OctokitIssueTracker(IOptionsMonitor<GitHubOptions> options, GitHubStatus status, TimeProvider time, ILogger<OctokitIssueTracker> logger)
    : IIssueTracker
{
    private readonly ConcurrentDictionary<string, bool> knownLabels = new(StringComparer.OrdinalIgnoreCase);
    private (string Key, GitHubClient Client)? cached;

    private GitHubOptions Settings => options.CurrentValue;

    public Task<TrackedIssue?> FindByMarkerAsync(Guid taskId, DateTime since, CancellationToken cancellationToken) =>
        CallAsync("search for the task's issue", async (client, owner, name) =>
        {
            // The repository's issue list, not the search API: search is indexed late, and this check exists for the
            // moment right after a create whose answer was lost.
            var request = new RepositoryIssueRequest { State = ItemStateFilter.All, Since = new DateTimeOffset(since.AddMinutes(-5), TimeSpan.Zero) };
            request.Labels.Add(IssueTemplates.Origin.Name);
            var issues = await client.Issue.GetAllForRepository(owner, name, request, new ApiOptions { PageSize = 100, PageCount = 5 });
            var marker = IssueTemplates.Marker(taskId);
            return issues.Where(i => i.Body?.Contains(marker, StringComparison.Ordinal) == true && i.PullRequest is null)
                .OrderBy(i => i.Number).Select(Tracked).FirstOrDefault();
        });

    public async Task<TrackedIssue> CreateAsync(IssueDraft draft, CancellationToken cancellationToken)
    {
        await EnsureLabelsAsync(draft.Labels, cancellationToken);
        return await CallAsync("create the issue", async (client, owner, name) =>
        {
            var issue = new NewIssue(draft.Title) { Body = draft.Body };
            foreach (var label in draft.Labels)
            {
                issue.Labels.Add(label.Name);
            }

            if (draft.Assignee is { } assignee)
            {
                issue.Assignees.Add(assignee);
            }

            try
            {
                using (TakeWrite())
                {
                    return Tracked(await client.Issue.Create(owner, name, issue));
                }
            }
            catch (ApiValidationException ex) when (draft.Assignee is not null && Mentions(ex, "assignee"))
            {
                // The assignee cannot be assigned in this repository: the issue matters more than who it is assigned to.
                GitHubLog.AssigneeRefused(logger, draft.Assignee, ex.Message);
                issue.Assignees.Clear();
                using var again = TakeWrite();
                return Tracked(await client.Issue.Create(owner, name, issue));
            }
        });
    }

    public Task CommentAsync(int number, string body, CancellationToken cancellationToken) =>
        CallAsync("comment on the issue", async (client, owner, name) =>
        {
            using var write = TakeWrite();
            await client.Issue.Comment.Create(owner, name, number, body);
            return true;
        }, issueNumber: number);

    public async Task SetLabelsAsync(int number, IReadOnlyList<IssueLabel> labels, CancellationToken cancellationToken)
    {
        await EnsureLabelsAsync(labels, cancellationToken);
        await CallAsync("set the issue's labels", async (client, owner, name) =>
        {
            var current = await client.Issue.Labels.GetAllForIssue(owner, name, number);
            var ours = labels.Select(l => l.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);

            // Labels people added themselves stay; ours (type:, priority:, status:, env:) follow the task.
            var keep = current.Select(l => l.Name).Where(n => !IsOurs(n) && !ours.Contains(n));
            var wanted = ours.Concat(keep).OrderBy(n => n, StringComparer.OrdinalIgnoreCase).ToArray();
            if (wanted.ToHashSet(StringComparer.OrdinalIgnoreCase).SetEquals(current.Select(l => l.Name)))
            {
                return true;
            }

            using var write = TakeWrite();
            await client.Issue.Labels.ReplaceAllForIssue(owner, name, number, wanted);
            return true;
        }, issueNumber: number);
    }

    public Task SetStateAsync(int number, bool open, string? reason, CancellationToken cancellationToken) =>
        CallAsync(open ? "reopen the issue" : "close the issue", async (client, owner, name) =>
        {
            var update = new IssueUpdate { State = open ? ItemState.Open : ItemState.Closed };
            if (!open)
            {
                update.StateReason = reason == "not_planned" ? ItemStateReason.NotPlanned : ItemStateReason.Completed;
            }

            using var write = TakeWrite();
            await client.Issue.Update(owner, name, number, update);
            return true;
        }, issueNumber: number);

    public Task<IReadOnlyList<IncomingIssue>> OpenIssuesLabelledAsync(string label, CancellationToken cancellationToken) =>
        CallAsync<IReadOnlyList<IncomingIssue>>("list the issues to take in", async (client, owner, name) =>
        {
            var request = new RepositoryIssueRequest { State = ItemStateFilter.Open, SortProperty = IssueSort.Created, SortDirection = SortDirection.Ascending };
            request.Labels.Add(label);
            var issues = await client.Issue.GetAllForRepository(owner, name, request, new ApiOptions { PageSize = 100, PageCount = 10 });
            return issues.Where(i => i.PullRequest is null)
                .Select(i => new IncomingIssue((int)i.Number, i.HtmlUrl, i.Title ?? "", i.Body ?? "", i.Labels.Select(l => l.Name).ToList(), i.State.Value == ItemState.Open))
                .ToList();
        });

    public Task<TrackedIssue?> GetAsync(int number, CancellationToken cancellationToken) =>
        CallAsync("read the issue", async (client, owner, name) =>
        {
            try
            {
                return Tracked(await client.Issue.Get(owner, name, number));
            }
            catch (NotFoundException)
            {
                return null;
            }
        });

    private async Task EnsureLabelsAsync(IReadOnlyList<IssueLabel> labels, CancellationToken cancellationToken)
    {
        foreach (var label in labels.Where(l => !knownLabels.ContainsKey(l.Name)))
        {
            await CallAsync("create a label", async (client, owner, name) =>
            {
                try
                {
                    await client.Issue.Labels.Get(owner, name, label.Name);
                }
                catch (NotFoundException)
                {
                    using var write = TakeWrite();
                    try
                    {
                        await client.Issue.Labels.Create(owner, name, new NewLabel(label.Name, label.Color) { Description = label.Description });
                    }
                    catch (ApiValidationException)
                    {
                        // Someone created it in between: it exists, which is all we need.
                    }
                }

                knownLabels[label.Name] = true;
                return true;
            });
        }
    }

    private static bool IsOurs(string label) =>
        label.StartsWith("type:", StringComparison.OrdinalIgnoreCase) || label.StartsWith("priority:", StringComparison.OrdinalIgnoreCase)
        || label.StartsWith("status:", StringComparison.OrdinalIgnoreCase) || label.StartsWith("env:", StringComparison.OrdinalIgnoreCase);

    /// <summary>One write from our throttle, to dispose when GitHub has answered it (see <see cref="GitHubStatus.TryTakeWrite"/>).</summary>
    private GitHubStatus.WriteSlot TakeWrite()
    {
        var settings = Settings;
        if (!status.TryTakeWrite(settings.MaxWritesPerMinute, settings.MaxWritesPerHour, out var retryAt, out var slot))
        {
            throw new IssueTrackerException(TrackerFailure.Throttled,
                $"Holding back: {settings.MaxWritesPerMinute} writes a minute / {settings.MaxWritesPerHour} an hour (GitHub's secondary limits) reached; next write at {retryAt:HH:mm:ss} UTC", retryAt);
        }

        return slot;
    }

    private async Task<T> CallAsync<T>(string what, Func<GitHubClient, string, string, Task<T>> call, int? issueNumber = null)
    {
        var settings = Settings;
        if (!settings.IsConfigured || !settings.TrySplitRepository(out var owner, out var name))
        {
            throw new IssueTrackerException(TrackerFailure.Misconfigured, "GitHub is not configured: set GitHub:Token and GitHub:Repository (owner/name)");
        }

        var client = Client(settings);
        try
        {
            return await call(client, owner, name);
        }
        catch (IssueTrackerException)
        {
            throw;
        }
        catch (SecondaryRateLimitExceededException ex)
        {
            throw new IssueTrackerException(TrackerFailure.RateLimited, $"GitHub's secondary rate limit was hit trying to {what}", RetryAfter(ex.HttpResponse), ex, secondary: true);
        }
        catch (RateLimitExceededException ex)
        {
            throw new IssueTrackerException(TrackerFailure.RateLimited,
                $"GitHub's rate limit is used up ({ex.Limit} an hour) trying to {what}; it resets at {ex.Reset.UtcDateTime:HH:mm:ss} UTC", ex.Reset.UtcDateTime, ex);
        }
        catch (ApiException ex) when ((int)ex.StatusCode == 429 || ((int)ex.StatusCode == 403 && SaysRateLimited(ex.HttpResponse)))
        {
            // Octokit maps only a 403 with GitHub's usual wording to its rate-limit exceptions. A 429, or a 403 that carries
            // Retry-After or X-RateLimit-Remaining: 0, is a rate limit whatever its text: wait, never take it for a permission error.
            var primary = Header(ex.HttpResponse, "X-RateLimit-Remaining") == "0" && Header(ex.HttpResponse, "Retry-After") is null;
            throw new IssueTrackerException(TrackerFailure.RateLimited, $"GitHub answered {(int)ex.StatusCode} with a rate limit trying to {what}", RetryAfter(ex.HttpResponse), ex, secondary: !primary);
        }
        catch (AbuseException ex)
        {
            var retryAt = ex.RetryAfterSeconds is { } seconds ? time.GetUtcNow().UtcDateTime.AddSeconds(seconds) : RetryAfter(ex.HttpResponse);
            throw new IssueTrackerException(TrackerFailure.RateLimited, $"GitHub's abuse detection (a secondary rate limit) stopped us trying to {what}", retryAt, ex, secondary: true);
        }
        catch (AuthorizationException ex)
        {
            throw new IssueTrackerException(TrackerFailure.Misconfigured, $"GitHub rejected the token (401) trying to {what}: check GitHub:Token", inner: ex);
        }
        catch (ForbiddenException ex)
        {
            throw new IssueTrackerException(TrackerFailure.Misconfigured, $"GitHub refused (403) to let the token {what} in {owner}/{name}: it needs the issues write permission ({ex.Message})", inner: ex);
        }
        catch (NotFoundException ex) when (issueNumber is not null)
        {
            throw new IssueTrackerException(TrackerFailure.Rejected, $"Issue #{issueNumber} was not found in {owner}/{name} (deleted or transferred?)", inner: ex);
        }
        catch (NotFoundException ex)
        {
            throw new IssueTrackerException(TrackerFailure.Misconfigured, $"Repository {owner}/{name} was not found, or the token cannot see it: check GitHub:Repository and GitHub:Token", inner: ex);
        }
        catch (ApiValidationException ex)
        {
            throw new IssueTrackerException(TrackerFailure.Rejected, $"GitHub refused to {what}: {ex.Message}", inner: ex);
        }
        catch (ApiException ex) when ((int)ex.StatusCode >= 500)
        {
            throw new IssueTrackerException(TrackerFailure.Unavailable, $"GitHub failed ({(int)ex.StatusCode}) trying to {what}", inner: ex);
        }
        catch (ApiException ex) when (ex.StatusCode == HttpStatusCode.Gone)
        {
            throw new IssueTrackerException(TrackerFailure.Rejected, $"GitHub says the issue is gone (410) trying to {what}", inner: ex);
        }
        catch (ApiException ex)
        {
            throw new IssueTrackerException(TrackerFailure.Rejected, $"GitHub answered {(int)ex.StatusCode} trying to {what}: {ex.Message}", inner: ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or IOException)
        {
            throw new IssueTrackerException(TrackerFailure.Unavailable, $"GitHub could not be reached trying to {what}: {ex.Message}", inner: ex);
        }
        finally
        {
            if (client.GetLastApiInfo()?.RateLimit is { } rate)
            {
                status.Quota(rate.Remaining, rate.Limit, rate.Reset.UtcDateTime);
            }
        }
    }

    private static bool SaysRateLimited(IResponse? response) =>
        Header(response, "Retry-After") is not null || Header(response, "X-RateLimit-Remaining") == "0";

    /// <summary>A response header by name, whatever its case (HTTP/2 sends them lower-case).</summary>
    private static string? Header(IResponse? response, string name) =>
        response?.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private DateTime? RetryAfter(IResponse? response)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var after = Header(response, "Retry-After");
        if (int.TryParse(after, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
        {
            return now.AddSeconds(Math.Clamp(seconds, 1, 86_400));
        }

        if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            return at.UtcDateTime > now ? at.UtcDateTime : now.AddSeconds(1); // Retry-After as an HTTP date
        }

        if (Header(response, "X-RateLimit-Remaining") == "0"
            && long.TryParse(Header(response, "X-RateLimit-Reset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epoch))
        {
            return DateTimeOffset.FromUnixTimeSeconds(epoch).UtcDateTime;
        }

        return null;
    }

    private static bool Mentions(ApiValidationException ex, string field) =>
        ex.ApiError?.Errors?.Any(e => string.Equals(e.Field, field, StringComparison.OrdinalIgnoreCase) || string.Equals(e.Field, field + "s", StringComparison.OrdinalIgnoreCase)) == true
        || ex.Message.Contains(field, StringComparison.OrdinalIgnoreCase);

    private static TrackedIssue Tracked(Issue issue) => new((int)issue.Number, issue.HtmlUrl, issue.State.Value == ItemState.Open);

    private GitHubClient Client(GitHubOptions settings)
    {
        var api = string.IsNullOrWhiteSpace(settings.ApiUrl) ? GitHubOptions.PublicApi : settings.ApiUrl;
        var key = $"{api}|{settings.Token}|{settings.RequestTimeoutSeconds}";
        if (cached is { } c && c.Key == key)
        {
            return c.Client;
        }

        var client = new GitHubClient(new ProductHeaderValue("OpsConsole"), new Uri(api)) { Credentials = new Credentials(settings.Token) };
        client.SetRequestTimeout(TimeSpan.FromSeconds(settings.RequestTimeoutSeconds));
        cached = (key, client);
        knownLabels.Clear();
        return client;
    }
}
