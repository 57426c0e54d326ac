using System.Net;
using System.Net.Http.Headers;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

public sealed class ApiKeyAndAuditTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private const string Api = "/api/v1/orchestration";

    [Fact]
    public async Task Created_key_is_shown_once_works_at_once_and_stops_working_the_moment_it_is_revoked()
    {
        var admin = app.CreateAdminClient();
        var created = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "ci-runner", role = "operator" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadObjectAsync();
        var key = (string)body["key"]!;
        var id = (string)body["id"]!;

        var list = await (await admin.GetAsync($"{Api}/api-keys/")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(key, list);
        Assert.Contains("ci-runner", list);

        var operatorClient = app.CreateClientWithToken(key);
        var task = await operatorClient.PostJsonAsync($"{Api}/tasks/", new { title = "Made by the CI key", task_type = "testing" });
        Assert.Equal(HttpStatusCode.Created, task.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "admin" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"{Api}/api-keys/{id}/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await operatorClient.GetAsync($"{Api}/tasks/")).StatusCode);
    }

    [Fact]
    public async Task Key_with_an_unknown_role_or_a_past_expiry_is_refused_naming_the_field()
    {
        var admin = app.CreateAdminClient();

        var badRole = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "root" });
        var past = await admin.PostJsonAsync($"{Api}/api-keys/", new { name = "x", role = "viewer", expires_at = "2001-01-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Contains("viewer, operator, admin", (string?)(await badRole.ReadObjectAsync())["detail"]);
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.Contains("expires_at", (string?)(await past.ReadObjectAsync())["detail"]);
    }

    [Fact]
    public async Task A_key_body_bound_to_its_record_names_every_bad_field_in_one_answer_with_the_messages_of_every_body()
    {
        var admin = app.CreateAdminClient();

        // Each field's JSON is of the wrong kind: binding names them all, each with its reader's message.
        var wrongKinds = await admin.PostAsync($"{Api}/api-keys/", ApiTestExtensions.RawJson("""{"name": 5, "role": ["admin"], "expires_at": true}""")).ProblemAsync(HttpStatusCode.BadRequest);
        // Bound, then read: a name under another spelling is missing, a time that is no time.
        var badValues = await admin.PostAsync($"{Api}/api-keys/", ApiTestExtensions.RawJson("""{"Name": "x", "role": "viewer", "expires_at": "next week"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var blank = await admin.PostAsync($"{Api}/api-keys/", ApiTestExtensions.RawJson("""{"name": "  ", "role": "viewer"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var numberAsText = await admin.PostAsync($"{Api}/api-keys/", ApiTestExtensions.RawJson("""{"name": "x", "role": "viewer", "expires_at": 1767225600}""")).ProblemAsync(HttpStatusCode.BadRequest);
        var created = await admin.PostAsync($"{Api}/api-keys/", ApiTestExtensions.RawJson("""{"name": "  trimmed  ", "role": "viewer", "unknown": [1]}"""));
        // As before binding: the body is read whatever Content-Type says.
        var plain = await admin.PostAsync($"{Api}/api-keys/", new StringContent("""{"name": "plain", "role": "viewer"}""", System.Text.Encoding.UTF8, "text/plain"));

        Assert.Equal(
            "name must be a string, not a number; role must be a string, not a list; expires_at must be a string, not a boolean",
            (string?)wrongKinds["detail"]);
        Assert.Equal(["name", "role", "expires_at"], wrongKinds["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal("role must be a string, not a list", (string?)wrongKinds["role"]![0]);
        Assert.Equal(
            "name is required; expires_at must be an ISO-8601 timestamp between the years 1970 and 2999, such as 2026-01-31T17:00:00Z",
            (string?)badValues["detail"]);
        Assert.Equal("name is required and may not be blank", (string?)blank["detail"]);
        Assert.Equal("expires_at must be a string, not a number", (string?)numberAsText["detail"]);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("trimmed", (string?)(await created.ReadObjectAsync())["name"]);
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
    }

    [Fact]
    public async Task Every_change_by_a_key_is_in_the_audit_trail_with_who_what_and_before_after()
    {
        var admin = app.CreateAdminClient();
        var created = await (await admin.PostJsonAsync($"{Api}/tasks/", new { title = "Audited task", task_type = "documentation", priority = "low" })).ReadObjectAsync();
        var id = (string)created["id"]!;
        await admin.PostJsonAsync($"{Api}/tasks/{id}/escalate/", new { reason = "customer waiting" });

        var trail = await (await admin.GetAsync($"{Api}/audit/?target_id={id}")).ReadObjectAsync();
        var entries = trail["results"]!.AsArray();

        Assert.Contains(entries, e => (string?)e!["action"] == "created" && (string?)e["actor"] == "key:bootstrap" && (string?)e["actor_type"] == "api_key");

        // The new task as it was created: every field by its wire name, in name order, enums as they are spelled on the wire.
        var after = entries.Single(e => (string?)e!["action"] == "created")!["after"]!.AsObject();
        var names = after.Select(p => p.Key).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(("Audited task", "documentation", "low", "pending", id), ((string?)after["title"], (string?)after["kind"], (string?)after["priority"], (string?)after["status"], (string?)after["id"]));
        Assert.Equal(DateTimeKind.Utc, after["created_on"]!.GetValue<DateTime>().Kind);
        Assert.DoesNotContain("version", names);

        var escalation = entries.First(e => (string?)e!["action"] == "updated" && e["after"]?["priority"] is not null);
        Assert.Equal("low", (string?)escalation!["before"]!["priority"]);
        Assert.Equal("medium", (string?)escalation["after"]!["priority"]);
    }

    [Fact]
    public async Task Audit_trail_is_for_admins_only()
    {
        var viewer = await app.CreateClientAsync(ApiRole.Viewer);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync($"{Api}/audit/")).StatusCode);
    }

    [Fact]
    public async Task Console_pages_carry_security_headers_and_a_content_security_policy()
    {
        var response = await app.CreateClientWithToken(null).GetAsync("/login");

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Contains("connect-src 'self';", csp); // its own origin only: no WebSocket to any other host
    }
}

public sealed class SignInRateLimitTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task Repeated_sign_in_attempts_from_one_address_get_429_with_retry_after()
    {
        var client = app.CreateClientWithToken(null);
        HttpResponseMessage? last = null;
        for (var i = 0; i < OpsConsole.Security.Protection.SignInPerMinute + 1; i++)
        {
            last = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "login" }));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(last.Headers.RetryAfter is RetryConditionHeaderValue { Delta: { } delta } && delta > TimeSpan.Zero);
    }
}

/// <summary>OpsConsole:WallFrameAncestors lets a dashboard rotator frame the wall screen, and nothing else.</summary>
public sealed class WallFramingTests(WallFramingTests.FramedWall app) : IClassFixture<WallFramingTests.FramedWall>
{
    public sealed class FramedWall : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:WallFrameAncestors", "https://tv.example.com")];
    }

    [Fact]
    public async Task Only_the_wall_may_be_framed_and_only_by_the_configured_origin()
    {
        var client = await app.CreateClientAsync(ApiRole.Viewer);

        var wall = await client.GetAsync("/wall");
        var console = await client.GetAsync("/login");

        Assert.Contains("frame-ancestors https://tv.example.com", wall.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(wall.Headers.Contains("X-Frame-Options"));
        Assert.Contains("frame-ancestors 'none'", console.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("DENY", console.Headers.GetValues("X-Frame-Options").Single());
    }
}
