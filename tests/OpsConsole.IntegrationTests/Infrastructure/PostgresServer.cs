using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the tests that need one: the server named by OPSCONSOLE_TEST_POSTGRES (a connection string to a
/// superuser), or else a throw-away cluster from Debian's postgresql package (scripts/test.sh installs it) in a temp
/// directory, on a free loopback port, stopped when the test run ends. Each caller gets databases of its own.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<string> Admin = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A new, empty database; its connection string.</summary>
    public static string NewDatabase(string prefix) => PostgresCluster.NewDatabase(Admin.Value, prefix);

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return given;
        }

        var cluster = PostgresCluster.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Dispose();
        return cluster.Admin;
    }
}

/// <summary>
/// A throw-away cluster of Debian's postgresql package in a temp directory, on a free loopback port. A test that stops and
/// starts its database server (an outage) uses one of its own, so no other test loses its server meanwhile.
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private readonly string bin;
    private readonly string root;
    private readonly bool asRoot = Environment.UserName == "root";

    private PostgresCluster(string bin, string root, int port)
    {
        this.bin = bin;
        this.root = root;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to the superuser's database, without pooling.</summary>
    public string Admin => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    private string Data => Path.Combine(root, "data");

    public static PostgresCluster Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "These tests need PostgreSQL: install Debian's postgresql package (./scripts/test.sh does), or set OPSCONSOLE_TEST_POSTGRES to a connection string.");
        }

        var root = Path.Combine(Path.GetTempPath(), $"opsconsole-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var cluster = new PostgresCluster(bin, root, Loopback.FreePort());
        if (cluster.asRoot)
        {
            // PostgreSQL refuses to run as root; Debian's package made the postgres user for it.
            Run("chown", $"postgres {root}", asRoot: false);
        }

        Run(Path.Combine(bin, "initdb"), $"-D {cluster.Data} -U postgres --auth=trust --encoding=UTF8 --no-sync", cluster.asRoot);
        cluster.StartServer();
        return cluster;
    }

    /// <summary>A new, empty database on the server of <paramref name="admin"/>; its connection string.</summary>
    public static string NewDatabase(string admin, string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        name = name[..Math.Min(40, name.Length)].ToLowerInvariant();
        using var connection = new NpgsqlConnection(admin);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        command.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>Starts the server (again) on the same port and data.</summary>
    public void StartServer() => Run(Path.Combine(bin, "pg_ctl"),
        $"-D {Data} -l {Path.Combine(root, "server.log")} -w -o \"-p {Port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start", asRoot);

    /// <summary>Stops the server as a restart or failover does: open connections are closed (fast shutdown).</summary>
    public void StopServer() => Run(Path.Combine(bin, "pg_ctl"), $"-D {Data} -m fast -w stop", asRoot);

    public void Dispose()
    {
        Run(Path.Combine(bin, "pg_ctl"), $"-D {Data} -m immediate stop", asRoot, check: false);
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // The server may still be letting go of its files; the temp folder is cleaned by the system.
        }
    }

    private static void Run(string file, string arguments, bool asRoot, bool check = true)
    {
        var start = asRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}")
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {arguments} did not finish within a minute");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {error.Result}{output.Result}");
        }
    }
}
