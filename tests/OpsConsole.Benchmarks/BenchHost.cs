using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Data;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The console in the benchmark's own process, for the load drivers that read its database directly: Production, a fresh
/// data directory (deleted afterwards) holding the databases, the logs and the deployment log, the bootstrap key, no write
/// limit (load on purpose, not a runaway client) and quiet logs (BENCH_SQL=1 prints every SQL command). Reached in memory,
/// or on a free loopback Kestrel port (<see cref="Url"/>) for drivers that connect as real clients do (hub connections).
/// </summary>
internal sealed class BenchHost : WebApplicationFactory<global::Program>
{
    public const string Key = "bench-bootstrap-key-0123456789abcdef";

    private readonly string dir = Path.Combine(Path.GetTempPath(), "opsconsole-bench", Guid.NewGuid().ToString("N"));
    private readonly bool onLoopback;
    private readonly IReadOnlyList<KeyValuePair<string, string>> settings;

    /// <param name="onLoopback">Listen on a free loopback port (<see cref="Url"/>) instead of only in memory.</param>
    /// <param name="settings">Settings of this driver, applied last.</param>
    public BenchHost(bool onLoopback = false, IEnumerable<KeyValuePair<string, string>>? settings = null)
    {
        this.onLoopback = onLoopback;
        this.settings = [.. settings ?? []];
        if (onLoopback)
        {
            UseKestrel();
        }
    }

    /// <summary>Where a client on this machine reaches the console (a host made with onLoopback only); starts it.</summary>
    public string Url
    {
        get
        {
            StartServer();
            return Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        }
    }

    /// <summary>An in-memory client with the bootstrap Admin key.</summary>
    public HttpClient Client()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return client;
    }

    public Task<OpsDbContext> DbAsync() => Services.GetRequiredService<IDbContextFactory<OpsDbContext>>().CreateDbContextAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseContentRoot(RepositoryRoot.Combine("src", "OpsConsole"));
        if (onLoopback)
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
        }

        builder.UseSetting("OpsConsole:DataDirectory", dir);
        builder.UseSetting("OpsConsole:LogDirectory", Path.Combine(dir, "logs"));
        builder.UseSetting("OpsConsole:Api:BootstrapKey", Key);
        builder.UseSetting("OpsConsole:Api:WritesPerMinute", "1000000");
        builder.UseSetting("OpsConsole:Admin:Password", "Bench-pass-123");
        builder.UseSetting("Deployments:LogPath", Path.Combine(dir, "deployment_log.json"));
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        if (Environment.GetEnvironmentVariable("BENCH_SQL") == "1")
        {
            const string commands = "Microsoft.EntityFrameworkCore.Database.Command";
            builder.UseSetting("Serilog:MinimumLevel:Default", "Information");
            builder.UseSetting($"Serilog:MinimumLevel:Override:{commands}", "Information");
            builder.UseSetting($"Logging:LogLevel:{commands}", "Information");
        }

        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_BENCH_KEEP") == "1")
        {
            Console.WriteLine($"Data directory kept (OPSCONSOLE_BENCH_KEEP=1): {dir}");
            return;
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
