using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Orchestration;
using OpsConsole.Security;

[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// The real app on a fresh SQLite data directory, with time under the test's control.
/// One instance per test class (IClassFixture); each test that needs a clean slate uses its own class.
/// </summary>
public class OpsConsoleFactory : WebApplicationFactory<Program>
{
    public const string BootstrapKey = "test-bootstrap-key-0123456789abcdef";
    public const string AdminPassword = "Admin-pass-123";

    public static readonly DateTimeOffset Start = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private readonly bool ownsDataDirectory;

    public OpsConsoleFactory()
        : this(null)
    {
    }

    /// <summary>
    /// An app on <paramref name="dataDirectory"/>, which then outlives the app: a restart test disposes one app and starts
    /// another on the same directory (and so the same databases and deployment log). Null: a fresh directory, deleted on dispose.
    /// </summary>
    protected OpsConsoleFactory(string? dataDirectory)
    {
        ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? NewDataDirectory();
    }

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "opsconsole-tests", Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Time { get; } = new(Start);

    public string DataDirectory { get; init; }

    /// <summary>Leave the data directory in place on dispose (a test that restarts the app on the same data).</summary>
    public bool KeepData { get; init; }

    /// <summary>The deployment log the app watches (Deployments:LogPath), inside the data directory.</summary>
    public string DeploymentLogPath => Path.Combine(DataDirectory, "incoming", "deployment_log.json");

    /// <summary>Extra settings for a test class (e.g. Orchestration:DryRun).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("OpsConsole:DataDirectory", DataDirectory);
        builder.UseSetting("OpsConsole:LogDirectory", Path.Combine(DataDirectory, "logs"));
        builder.UseSetting("OpsConsole:Api:BootstrapKey", BootstrapKey);
        builder.UseSetting("OpsConsole:Admin:Password", AdminPassword);
        // The recurring sweeps run on the wall clock; tests drive the engine with fake time instead (and CreateHost removes them).
        builder.UseSetting("Orchestration:IntervalSeconds", "86400");
        builder.UseSetting("Orchestration:HealthCheckIntervalSeconds", "86400");
        builder.UseSetting("Orchestration:DeploymentCheckIntervalSeconds", "86400");
        Directory.CreateDirectory(Path.GetDirectoryName(DeploymentLogPath)!);
        builder.UseSetting("Deployments:LogPath", DeploymentLogPath);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        var host = base.CreateHost(builder);
        LeaveBackgroundPassesToTheTest(host.Services);
        return host;
    }

    /// <summary>
    /// Removes the jobs that would run on the wall clock whatever the test is doing: the recurring ones (notification
    /// delivery every 15 s; the sweeps, the log check and the GitHub passes at midnight UTC) and the passes queued at start,
    /// which a worker picks up half a second or more later, when the test may have moved fake time on. Any of them could do
    /// a test's work behind its back (deliver the notification, take the silent agent offline and move its task) and leave
    /// the pass the test runs itself nothing to report. The jobs a test's own actions queue (a GitHub delivery right after a
    /// change, a wake-up at a due retry) still run.
    /// </summary>
    private static void LeaveBackgroundPassesToTheTest(IServiceProvider services)
    {
        var storage = services.GetRequiredService<JobStorage>();
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        using (var connection = storage.GetConnection())
        {
            foreach (var job in connection.GetRecurringJobs())
            {
                recurring.RemoveIfExists(job.Id);
            }
        }

        // Not yet started: deleted (a worker that has fetched one but not started it leaves it alone). Already started: it runs
        // at the fake clock's start and is waited for, so it is over before the test acts.
        var jobs = services.GetRequiredService<IBackgroundJobClient>();
        var monitoring = storage.GetMonitoringApi();
        var notStarted = monitoring.EnqueuedJobs(EnqueuedState.DefaultQueue, 0, 100).Select(j => j.Key)
            .Concat(monitoring.FetchedJobs(EnqueuedState.DefaultQueue, 0, 100).Select(j => j.Key)).ToList();
        notStarted.ForEach(id => jobs.Delete(id));
        Eventually.TrueAsync(() => monitoring.ProcessingCount() == 0, "the jobs running at start to finish").GetAwaiter().GetResult();
    }

    /// <summary>A client authenticated with the bootstrap Admin key.</summary>
    public HttpClient CreateAdminClient() => CreateClientWithToken(BootstrapKey);

    public HttpClient CreateClientWithToken(string? token)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Stores an API key with the given role (only its hash, as the app does) and returns a client using it.</summary>
    public async Task<HttpClient> CreateClientAsync(ApiRole role)
    {
        var key = Secrets.NewApiKey();
        await using var db = await DbAsync();
        db.ApiKeys.Add(new ApiKey { Name = $"{role}-{Guid.NewGuid():N}", Role = role, KeyHash = Secrets.Hash(key), Prefix = key[..6], CreatedOn = Time.GetUtcNow().UtcDateTime });
        await db.SaveChangesAsync();
        return CreateClientWithToken(key);
    }

    public async Task<OpsDbContext> DbAsync()
    {
        var factory = Services.GetRequiredService<IDbContextFactory<OpsDbContext>>();
        return await factory.CreateDbContextAsync();
    }

    public OrchestrationEngine Engine => Services.GetRequiredService<OrchestrationEngine>();

    public SafetySweep Sweep => Services.GetRequiredService<SafetySweep>();

    public AgentOperations AgentOperations => Services.GetRequiredService<AgentOperations>();

    /// <summary>Moves fake time forward and runs the safety-net sweep, as the recurring job would.</summary>
    public async Task<SweepReport> AdvanceAndSweepAsync(TimeSpan by)
    {
        Time.Advance(by);
        return await Sweep.SweepAsync(CancellationToken.None);
    }

    /// <summary>Gives every seeded agent a fresh heartbeat (agents that never report go offline after the timeout).</summary>
    public async Task HeartbeatAllAsync()
    {
        await using var db = await DbAsync();
        foreach (var id in await db.Agents.Select(a => a.Id).ToListAsync())
        {
            await AgentOperations.HeartbeatAsync(id, "127.0.0.1", CancellationToken.None);
        }
    }

    public async Task<Guid> AgentIdAsync(string name)
    {
        await using var db = await DbAsync();
        return await db.Agents.Where(a => a.Name == name).Select(a => a.Id).SingleAsync();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && (KeepData || !ownsDataDirectory))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
        else if (disposing)
        {
            try
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

public static class JsonExtensions
{
    public static async Task<JsonObject> ReadObjectAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<JsonNode> ReadNodeAsync(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
}
