using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>#20 item 5: forwarded headers only from known proxies (a real loopback client cannot pick its address).</summary>
public sealed class ForwardedHeaderTests(LoopbackOpsConsole app) : IClassFixture<LoopbackOpsConsole>
{
    [Fact]
    public async Task A_loopback_client_cannot_dodge_the_sign_in_limit_or_fake_its_audited_address_with_x_forwarded_for()
    {
        using var client = new HttpClient { BaseAddress = new Uri(app.Url) };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i <= OpsConsole.Security.Protection.SignInPerMinute; i++)
        {
            statuses.Add((await SignInAttempt(client, $"203.0.113.{i + 1}")).StatusCode);
        }

        Assert.True(statuses[^1] == HttpStatusCode.TooManyRequests, string.Join(",", statuses));
        await using var db = await app.DbAsync();
        Assert.False(await db.AuditEntries.AnyAsync(a => a.Ip != null && a.Ip.StartsWith("203.0.113.")), "no audit row carries a forwarded address");
    }

    internal static Task<HttpResponseMessage> SignInAttempt(HttpClient client, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["_handler"] = "login" }) };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return client.SendAsync(request);
    }
}

/// <summary>With OpsConsole:KnownProxies naming the proxy, the client address it forwards is the one limits apply to.</summary>
public sealed class TrustedProxyTests(TrustedProxyTests.BehindProxy app) : IClassFixture<TrustedProxyTests.BehindProxy>
{
    public sealed class BehindProxy : LoopbackOpsConsole
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("OpsConsole:KnownProxies", "127.0.0.1, ::1")];
    }

    [Fact]
    public async Task Clients_behind_a_known_proxy_are_limited_each_by_their_own_address()
    {
        using var client = new HttpClient { BaseAddress = new Uri(app.Url) };
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i <= OpsConsole.Security.Protection.SignInPerMinute; i++)
        {
            statuses.Add((await ForwardedHeaderTests.SignInAttempt(client, $"203.0.113.{i + 1}")).StatusCode);
        }

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses);
    }
}

/// <summary>A real write limit per key (#20 item 5): past OpsConsole:Api:WritesPerMinute a key gets 429 with Retry-After.</summary>
public sealed class WriteLimitTests(WriteLimitTests.Limited app) : IClassFixture<WriteLimitTests.Limited>
{
    public sealed class Limited : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:Api:WritesPerMinute", "5")];
    }

    [Fact]
    public async Task A_key_past_its_writes_per_minute_gets_429_with_retry_after_and_other_keys_go_on()
    {
        var busy = await app.CreateClientAsync(ApiRole.Operator);
        for (var i = 0; i < 5; i++)
        {
            await busy.CreateTaskAsync($"limited {i} {Routes.Tag()}", autoAssign: false);
        }

        var refused = await busy.PostJsonAsync(Routes.Tasks, new { title = "one too many", task_type = "documentation" });
        var other = await app.CreateClientAsync(ApiRole.Operator);

        var problem = await refused.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Contains("try again in", (string?)problem["detail"]);
        Assert.True(refused.Headers.RetryAfter is RetryConditionHeaderValue { Delta: { } wait } && wait > TimeSpan.Zero);
        await other.CreateTaskAsync($"another key {Routes.Tag()}", autoAssign: false);
        await (await busy.GetAsync(Routes.Tasks)).ExpectAsync(HttpStatusCode.OK); // reads are not limited
    }
}

/// <summary>Data and log files readable by the console's account only (#20 item 5), including folders from an earlier version.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFileTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Databases_keys_and_logs_are_0600_in_0700_folders_even_where_an_earlier_version_left_them_open()
    {
        var directory = OpsConsoleFactory.NewDataDirectory();
        Directory.CreateDirectory(directory);
        System.IO.File.SetUnixFileMode(directory, Folder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var old = Path.Combine(directory, "notes-from-before.txt");
        await System.IO.File.WriteAllTextAsync(old, "left readable by an earlier version");
        System.IO.File.SetUnixFileMode(old, File | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        await using (var app = new KeptDataApp(directory))
        {
            await app.CreateAdminClient().CreateTaskAsync($"private {Routes.Tag()}", autoAssign: false);
        }

        Assert.Equal(Folder, System.IO.File.GetUnixFileMode(directory));
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith("opsconsole.db", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("/keys/", StringComparison.Ordinal) && f.EndsWith(".xml", StringComparison.Ordinal));
        Assert.Contains(files, f => f.Contains("/logs/", StringComparison.Ordinal));
        // The -wal and -shm files may go while the last connection closes (even between listing a file and reading its
        // mode: SQLite's pool closes its idle connections when it likes); every file still there is private.
        foreach (var f in files)
        {
            UnixFileMode mode;
            try
            {
                mode = System.IO.File.GetUnixFileMode(f);
            }
            catch (FileNotFoundException)
            {
                continue;
            }

            Assert.True(mode == File, $"{f} is {mode}");
        }

        Assert.All(Directory.EnumerateDirectories(directory, "*", SearchOption.AllDirectories), d => Assert.Equal(Folder, System.IO.File.GetUnixFileMode(d)));
        Directory.Delete(directory, recursive: true);
    }

    private sealed class KeptDataApp(string directory) : OpsConsoleFactory(directory);
}

/// <summary>OpsConsole:DataProtection:CertificatePath encrypts the key ring at rest; the console reads its data back after a restart.</summary>
public sealed class ProtectedKeyRingTests
{
    [Fact]
    public async Task With_a_certificate_the_key_ring_is_encrypted_at_rest_and_encrypted_rows_read_back_after_a_restart()
    {
        var directory = OpsConsoleFactory.NewDataDirectory();
        Directory.CreateDirectory(directory);
        var certificate = Path.Combine(directory, "keyring.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=OpsConsole key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await System.IO.File.WriteAllBytesAsync(certificate, created.Export(X509ContentType.Pfx, "pfx-password"));
        }

        Guid taskId;
        await using (var first = new KeyRingApp(directory, certificate))
        {
            taskId = Id(await first.CreateAdminClient().PostJsonAsync(Routes.Tasks, new
            {
                title = $"sealed {Routes.Tag()}",
                task_type = "documentation",
                auto_assign = false,
                input_data = new { note = "kept under the protected key ring" },
            }).ObjectAsync(HttpStatusCode.Created));
        }

        var keys = Directory.GetFiles(Path.Combine(directory, "keys"), "*.xml");
        Assert.NotEmpty(keys);
        Assert.All(keys, k =>
        {
            var xml = System.IO.File.ReadAllText(k);
            Assert.Contains("<encryptedSecret", xml);
            Assert.DoesNotContain("<value>", xml); // the plain key material element
        });

        await using var second = new KeyRingApp(directory, certificate);
        var task = await second.CreateAdminClient().GetTaskAsync(taskId);
        Assert.Equal("kept under the protected key ring", (string?)task["input_data"]!["note"]);
        Directory.Delete(directory, recursive: true);
    }

    private sealed class KeyRingApp(string directory, string certificate) : OpsConsoleFactory(directory)
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings =>
        [
            new("OpsConsole:DataProtection:CertificatePath", certificate),
            new("OpsConsole:DataProtection:CertificatePassword", "pfx-password"),
        ];
    }
}

/// <summary>A task's issue link is only ever an https:// link to the configured GitHub (#20 item 5): the console links it.</summary>
public sealed class IssueLinkTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Theory]
    [InlineData("javascript:alert(document.cookie)")]
    [InlineData("http://github.com/acme/shop/issues/7")]
    [InlineData("https://github.com.evil.example/acme/shop/issues/7")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    public async Task A_bug_report_with_an_issue_link_anywhere_but_github_is_a_400_naming_the_field(string link)
    {
        var error = await app.CreateAdminClient().PostJsonAsync($"{Routes.Base}/bug-reports/", new
        {
            title = "Checkout button does nothing",
            description = "Clicking Pay does nothing",
            github_issue_number = 7,
            github_issue_url = link,
        }).FieldErrorAsync("github_issue_url");

        Assert.Contains("https:// link to an issue on https://github.com", error);
    }

    [Fact]
    public async Task A_github_issue_link_is_stored()
    {
        var stored = await app.CreateAdminClient().PostJsonAsync($"{Routes.Base}/bug-reports/", new
        {
            title = "Checkout button does nothing",
            description = "Clicking Pay does nothing",
            github_issue_number = 7,
            github_issue_url = "https://github.com/acme/shop/issues/7",
        }).ObjectAsync(HttpStatusCode.Created);

        Assert.Equal("https://github.com/acme/shop/issues/7", (string?)stored["github_issue_url"]);
    }
}

/// <summary>
/// #20 item 2 end to end: an adversarial description is bounded before any pattern runs (a larger one is a 400 naming the
/// field and its limit), and one within the limit is stored with the secret at its end masked while agents keep working.
/// </summary>
public sealed class AdversarialInputTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    [Fact]
    public async Task A_100_KB_adversarial_description_is_refused_naming_the_field_and_its_limit()
    {
        var error = await app.CreateAdminClient().PostJsonAsync(Routes.Tasks, new
        {
            title = "adversarial",
            task_type = "documentation",
            description = string.Concat(Enumerable.Repeat("a.", 50_000)),
        }).FieldErrorAsync("description");

        Assert.Contains("20000", error.Replace(",", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_adversarial_description_at_the_limit_is_stored_redacted_and_an_agents_heartbeat_still_answers()
    {
        var admin = app.CreateAdminClient();
        var (agentId, token, _) = await admin.CreateAgentAsync($"steady-{Routes.Tag()}");
        var secret = " password=hunter2";
        var description = string.Concat(Enumerable.Repeat("a.", (20_000 - secret.Length) / 2)) + secret;

        var stored = await admin.PostJsonAsync(Routes.Tasks, new { title = $"adversarial {Routes.Tag()}", task_type = "documentation", auto_assign = false, description })
            .ObjectAsync(HttpStatusCode.Created);
        var heartbeat = await app.CreateClientWithToken(token).PostEmptyAsync($"{Routes.Agent(agentId)}heartbeat/");

        Assert.EndsWith("password=[REDACTED]", (string?)stored["description"]);
        await heartbeat.ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_edit_is_redacted_like_a_creation()
    {
        var admin = app.CreateAdminClient();
        var task = await admin.CreateTaskAsync($"edited {Routes.Tag()}", autoAssign: false);

        var edited = await admin.PatchJsonAsync(Routes.Task(Id(task)), new
        {
            title = "Deploy with token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            description = "run with DB_PASSWORD=hunter2 ./deploy.sh",
            input_data = new { api_key = "abc123def456", host = "web-1" },
        }).ObjectAsync();

        Assert.DoesNotContain("ghp_aBcDeF", (string?)edited["title"]);
        Assert.Equal("run with DB_PASSWORD=[REDACTED] ./deploy.sh", (string?)edited["description"]);
        Assert.Equal("[REDACTED]", (string?)edited["input_data"]!["api_key"]);
        Assert.Equal("web-1", (string?)edited["input_data"]!["host"]);
    }
}
