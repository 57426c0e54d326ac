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
    public static string NewDatabase(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        using var connection = new NpgsqlConnection(Admin.Value);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE \"{name}\"";
        command.ExecuteNonQuery();
        return new NpgsqlConnectionStringBuilder(Admin.Value) { Database = name, Pooling = true }.ConnectionString;
    }

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_TEST_POSTGRES") is { Length: > 0 } given)
        {
            return given;
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "These tests need PostgreSQL: install Debian's postgresql package (./scripts/test.sh does), or set OPSCONSOLE_TEST_POSTGRES to a connection string.");
        }

        var root = Path.Combine(Path.GetTempPath(), $"opsconsole-pg-{Guid.NewGuid():N}");
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // PostgreSQL refuses to run as root; Debian's package made the postgres user for it.
            Run("chown", $"postgres {root}", asRoot: false);
        }

        var port = Loopback.FreePort();
        Run(Path.Combine(bin, "initdb"), $"-D {data} -U postgres --auth=trust --encoding=UTF8 --no-sync", asRoot);
        Run(Path.Combine(bin, "pg_ctl"),
            $"-D {data} -l {Path.Combine(root, "server.log")} -w -o \"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start", asRoot);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Run(Path.Combine(bin, "pg_ctl"), $"-D {data} -m immediate stop", asRoot, check: false);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // The server may still be letting go of its files; the temp folder is cleaned by the system.
            }
        };
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=false";
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
