using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// The outside world's GitHub, small: a Kestrel server on loopback answering the few REST routes the outbox uses (issues,
/// comments, labels, rate limit) under /api/v3 as Octokit addresses a non-github.com server. It records every request
/// (with the test's fake time, so per-minute limits can be checked) and can be told to fail: 500s, hanging requests,
/// 403 secondary rate limits, 429 with Retry-After, or a create whose answer is lost.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    public const string Owner = "acme";
    public const string Repo = "shop";
    public const string Token = "ghp_faketoken0123456789abcdefghijklmnopqr";

    private readonly WebApplication app;
    private readonly Func<DateTime> now;
    private readonly Lock gate = new();
    private readonly ConcurrentQueue<Func<HttpContext, Task<bool>>> faults = new();
    private int nextIssue = 1;

    private FakeGitHub(WebApplication app, Func<DateTime> now)
    {
        this.app = app;
        this.now = now;
    }

    public string ApiUrl { get; private set; } = "";

    public List<FakeIssue> Issues { get; } = [];

    public Dictionary<string, string> Labels { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<(string Method, string Path, DateTime At, int Status)> Requests { get; } = [];

    /// <summary>Runs when an issue has been created, before GitHub answers (a test takes the console's database away then).</summary>
    public Action? OnCreated { get; set; }

    /// <summary>When true every request answers 503 (GitHub down).</summary>
    public bool Down { get; set; }

    public static async Task<FakeGitHub> StartAsync(Func<DateTime> now)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeGitHub(app, now);
        fake.Map();
        await app.StartAsync();
        fake.ApiUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/";
        return fake;
    }

    /// <summary>The settings that point the app at this server.</summary>
    public IEnumerable<KeyValuePair<string, string>> Settings(bool withToken = true) =>
    [
        new("GitHub:ApiUrl", ApiUrl),
        new("GitHub:Repository", $"{Owner}/{Repo}"),
        new("GitHub:Token", withToken ? Token : ""),
        new("GitHub:RequestTimeoutSeconds", "2"),
        new("GitHub:DeliveryIntervalSeconds", "86400"),
        new("GitHub:IntakePollSeconds", "86400"),
    ];

    /// <summary>An issue someone opened on GitHub (not through the console).</summary>
    public FakeIssue AddIssue(string title, string body, params string[] labels)
    {
        lock (gate)
        {
            var issue = new FakeIssue { Number = nextIssue++, Title = title, Body = body, Labels = [.. labels], CreatedAt = now(), UpdatedAt = now() };
            Issues.Add(issue);
            return issue;
        }
    }

    /// <summary>A pull request (GitHub numbers them with the issues, and comments on them through the issues API).</summary>
    public FakeIssue AddPullRequest(string title, string body)
    {
        lock (gate)
        {
            var pr = new FakeIssue { Number = nextIssue++, Title = title, Body = body, IsPullRequest = true, CreatedAt = now(), UpdatedAt = now() };
            Issues.Add(pr);
            return pr;
        }
    }

    /// <summary>The web address the fake gives an issue or pull request.</summary>
    public static string HtmlUrl(FakeIssue issue) => $"https://github.example/{Owner}/{Repo}/{(issue.IsPullRequest ? "pull" : "issues")}/{issue.Number}";

    /// <summary>Content-creating requests (POST, PATCH, PUT) and when (fake time) they came.</summary>
    public List<DateTime> Writes
    {
        get
        {
            lock (gate)
            {
                return Requests.Where(r => r.Method is "POST" or "PATCH" or "PUT" && r.Status < 400).Select(r => r.At).ToList();
            }
        }
    }

    /// <summary>The issues as they are now (the list changes while the app delivers).</summary>
    public List<FakeIssue> IssuesNow()
    {
        lock (gate)
        {
            return [.. Issues];
        }
    }

    public FakeIssue Issue(int number)
    {
        lock (gate)
        {
            return Issues.Single(i => i.Number == number);
        }
    }

    public void FailNext(int count, int status, params (string Name, string Value)[] headers) =>
        FailNextSaying(count, status, status switch
        {
            403 => "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            429 => "Too many requests",
            _ => "Server Error",
        }, headers);

    /// <summary>The next <paramref name="count"/> requests answer <paramref name="status"/> with this message (e.g. a 403 without GitHub's usual wording).</summary>
    public void FailNextSaying(int count, int status, string message, params (string Name, string Value)[] headers) =>
        Enqueue(count, async context =>
        {
            foreach (var (name, value) in headers)
            {
                context.Response.Headers[name] = value;
            }

            context.Response.StatusCode = status;
            await context.Response.WriteAsJsonAsync(new { message, documentation_url = "https://docs.github.com/rest" });
            return true;
        });

    /// <summary>The next <paramref name="count"/> requests never answer (the client times out).</summary>
    public void HangNext(int count) =>
        Enqueue(count, async context =>
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        });

    /// <summary>The next issue create is carried out, but its answer is lost (the connection drops): GitHub has the issue, we do not know.</summary>
    public void LoseNextCreateAnswer() => loseCreate = true;

    private volatile bool loseCreate;

    private void Enqueue(int count, Func<HttpContext, Task<bool>> fault)
    {
        for (var i = 0; i < count; i++)
        {
            faults.Enqueue(fault);
        }
    }

    private void Map()
    {
        app.Use(async (context, next) =>
        {
            context.Response.Headers["X-RateLimit-Limit"] = "5000";
            context.Response.Headers["X-RateLimit-Remaining"] = (5000 - Requests.Count).ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["X-RateLimit-Reset"] = new DateTimeOffset(now().AddHours(1)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            if (Down)
            {
                context.Response.StatusCode = 503;
                await context.Response.WriteAsJsonAsync(new { message = "Service Unavailable" });
            }
            else if (faults.TryDequeue(out var fault))
            {
                await fault(context);
            }
            else
            {
                await next();
            }

            lock (gate)
            {
                Requests.Add((context.Request.Method, context.Request.Path.Value ?? "", now(), context.Response.StatusCode));
            }
        });

        var repo = app.MapGroup("/api/v3/repos/{owner}/{repo}");
        repo.MapGet("/issues", (HttpRequest request) =>
        {
            var label = request.Query["labels"].ToString();
            var state = request.Query["state"].ToString() is { Length: > 0 } st ? st : "open";
            var since = DateTime.TryParse(request.Query["since"], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var s) ? s : DateTime.MinValue;
            lock (gate)
            {
                return Results.Json(Issues.Where(i => (label.Length == 0 || i.Labels.Contains(label)) && i.UpdatedAt >= since && (state == "all" || i.State == state)).Select(Json).ToList());
            }
        });
        repo.MapPost("/issues", async (HttpContext context) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            FakeIssue issue;
            lock (gate)
            {
                issue = new FakeIssue
                {
                    Number = nextIssue++,
                    Title = body["title"]!.GetValue<string>(),
                    Body = body["body"]?.GetValue<string>() ?? "",
                    Labels = body["labels"]?.AsArray().Select(l => l!.GetValue<string>()).ToList() ?? [],
                    Assignees = body["assignees"]?.AsArray().Select(l => l!.GetValue<string>()).ToList() ?? [],
                    CreatedAt = now(),
                    UpdatedAt = now(),
                };
                Issues.Add(issue);
            }

            OnCreated?.Invoke();
            if (loseCreate)
            {
                loseCreate = false;
                context.Abort();
                return Results.Empty;
            }

            return Results.Json(Json(issue), statusCode: 201);
        });
        repo.MapGet("/issues/{number:int}", (int number) => Find(number) is { } issue ? Results.Json(Json(issue)) : NotFound());
        repo.MapPatch("/issues/{number:int}", async (int number, HttpRequest request) =>
        {
            if (Find(number) is not { } issue)
            {
                return NotFound();
            }

            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            lock (gate)
            {
                if (body["state"]?.GetValue<string>() is { } state)
                {
                    issue.State = state;
                    issue.StateReason = body["state_reason"]?.GetValue<string>();
                }

                issue.UpdatedAt = now();
            }

            return Results.Json(Json(issue));
        });
        repo.MapPost("/issues/{number:int}/comments", async (int number, HttpRequest request) =>
        {
            if (Find(number) is not { } issue)
            {
                return NotFound();
            }

            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            lock (gate)
            {
                issue.Comments.Add(body["body"]!.GetValue<string>());
                issue.UpdatedAt = now();
                return Results.Json(new { id = issue.Comments.Count, body = issue.Comments[^1], user = new { login = "opsconsole" }, created_at = now() }, statusCode: 201);
            }
        });
        repo.MapGet("/issues/{number:int}/labels", (int number) =>
            Find(number) is { } issue ? Results.Json(issue.Labels.Select(LabelJson).ToList()) : NotFound());
        repo.MapPut("/issues/{number:int}/labels", async (int number, HttpRequest request) =>
        {
            if (Find(number) is not { } issue)
            {
                return NotFound();
            }

            var body = await JsonNode.ParseAsync(request.Body);
            var names = (body as JsonArray ?? body?["labels"]?.AsArray() ?? []).Select(l => l!.GetValue<string>()).ToList();
            lock (gate)
            {
                issue.Labels = names;
                issue.UpdatedAt = now();
            }

            return Results.Json(names.Select(LabelJson).ToList());
        });
        repo.MapGet("/labels/{name}", (string name) =>
        {
            lock (gate)
            {
                return Labels.ContainsKey(name) ? Results.Json(LabelJson(name)) : NotFound();
            }
        });
        repo.MapPost("/labels", async (HttpRequest request) =>
        {
            var body = (await JsonNode.ParseAsync(request.Body))!.AsObject();
            var name = body["name"]!.GetValue<string>();
            lock (gate)
            {
                if (Labels.ContainsKey(name))
                {
                    return Results.Json(new { message = "Validation Failed", errors = new[] { new { resource = "Label", code = "already_exists", field = "name" } } }, statusCode: 422);
                }

                Labels[name] = body["color"]?.GetValue<string>() ?? "ededed";
            }

            return Results.Json(LabelJson(name), statusCode: 201);
        });
        app.MapGet("/api/v3/rate_limit", () => Results.Json(new { resources = new { core = new { limit = 5000, remaining = 4999, reset = 0 } } }));
    }

    private FakeIssue? Find(int number)
    {
        lock (gate)
        {
            return Issues.FirstOrDefault(i => i.Number == number);
        }
    }

    private static IResult NotFound() => Results.Json(new { message = "Not Found" }, statusCode: 404);

    private object Json(FakeIssue i) => new
    {
        id = i.Number + 1000,
        number = i.Number,
        title = i.Title,
        body = i.Body,
        state = i.State,
        state_reason = i.StateReason,
        html_url = HtmlUrl(i),
        pull_request = i.IsPullRequest ? new { url = $"{ApiUrl}api/v3/repos/{Owner}/{Repo}/pulls/{i.Number}" } : null,
        url = $"{ApiUrl}api/v3/repos/{Owner}/{Repo}/issues/{i.Number}",
        labels = i.Labels.Select(LabelJson).ToList(),
        assignees = i.Assignees.Select(a => new { login = a }).ToList(),
        user = new { login = "opsconsole" },
        comments = i.Comments.Count,
        created_at = i.CreatedAt,
        updated_at = i.UpdatedAt,
    };

    private object LabelJson(string name) => new { id = Math.Abs(name.GetHashCode(StringComparison.Ordinal)), name, color = Labels.GetValueOrDefault(name, "ededed"), @default = false };

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public sealed class FakeIssue
{
    public int Number { get; init; }
    public string Title { get; init; } = "";
    public string Body { get; init; } = "";
    public List<string> Labels { get; set; } = [];
    public List<string> Assignees { get; init; } = [];
    public List<string> Comments { get; } = [];
    public string State { get; set; } = "open";
    public string? StateReason { get; set; }
    public bool IsPullRequest { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; set; }
}
