using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis for the two-node tests: the server named by OPSCONSOLE_TEST_REDIS (a StackExchange.Redis configuration),
/// or else Debian's redis-server (scripts/test.sh installs it) on a free loopback port with nothing saved to disk, stopped
/// when the test run ends. Each caller gets a channel prefix of its own, so runs never hear each other.
/// </summary>
public static class RedisServer
{
    private static readonly Lazy<string> Address = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A configuration string for ConnectionStrings:Redis.</summary>
    public static string Configuration => Address.Value;

    private static string Start()
    {
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_TEST_REDIS") is { Length: > 0 } given)
        {
            return given;
        }

        var server = RedisInstance.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Dispose();
        return server.Configuration;
    }
}

/// <summary>
/// A redis-server of Debian's package on a free loopback port with nothing saved to disk. A test that takes Redis away
/// and brings it back (an outage) uses one of its own, so no other test loses its Redis meanwhile.
/// </summary>
public sealed class RedisInstance : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"opsconsole-redis-{Guid.NewGuid():N}");
    private Process? process;

    private RedisInstance(int port)
    {
        Port = port;
        Directory.CreateDirectory(root);
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port},abortConnect=false";

    public static RedisInstance Start()
    {
        var instance = new RedisInstance(Loopback.FreePort());
        instance.StartServer();
        return instance;
    }

    /// <summary>Starts the server (again) on the same port, and waits until it listens.</summary>
    public void StartServer()
    {
        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "These tests need Redis: install Debian's redis-server package (./scripts/test.sh does), or set OPSCONSOLE_TEST_REDIS to a configuration string.");
        var start = new ProcessStartInfo(server, $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {root} --daemonize no --loglevel warning")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = process;
        Eventually.TrueAsync(() =>
        {
            if (started.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {started.ExitCode} while starting");
            }

            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                return false; // not listening yet: a child process gives no event to wait on
            }
        }, $"redis-server to listen on port {Port}").GetAwaiter().GetResult();
    }

    /// <summary>Kills the server (a crash, a network cut): every connection drops at once.</summary>
    public void StopServer()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public void Dispose()
    {
        try
        {
            StopServer();
            Directory.Delete(root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            // Already gone, or still letting go of its folder: the temp folder is cleaned by the system.
        }
    }
}
