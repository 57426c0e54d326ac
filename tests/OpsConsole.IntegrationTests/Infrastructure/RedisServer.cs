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

        var server = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "These tests need Redis: install Debian's redis-server package (./scripts/test.sh does), or set OPSCONSOLE_TEST_REDIS to a configuration string.");
        var root = Path.Combine(Path.GetTempPath(), $"opsconsole-redis-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var port = Loopback.FreePort();
        var start = new ProcessStartInfo(server, $"--port {port} --bind 127.0.0.1 --save \"\" --appendonly no --dir {root} --daemonize no --loglevel warning")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
                Directory.Delete(root, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
                // Already gone, or still letting go of its folder: the temp folder is cleaned by the system.
            }
        };

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                probe.Connect(IPAddress.Loopback, port);
                return $"127.0.0.1:{port},abortConnect=false";
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(50); // waiting for a child process to listen: no event to wait on
            }
        }
    }
}
