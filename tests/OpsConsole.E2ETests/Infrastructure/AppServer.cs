using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace OpsConsole.E2ETests.Infrastructure;

/// <summary>
/// The real console as a child process (<c>dotnet OpsConsole.dll --urls http://127.0.0.1:port</c>) in Production, on a
/// fresh data directory. It can be stopped and started again on the same port and data, as an operator would restart it.
/// </summary>
public sealed class AppServer : IAsyncDisposable
{
    public const string BootstrapKey = "e2e-bootstrap-key-0123456789abcdef";
    public const string AdminUser = "admin";
    public const string AdminPassword = "Admin-pass-123";
    public const string WebhookSecret = "e2e-webhook-secret-0123456789";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly StringBuilder output = new();
    private Process? process;

    public AppServer()
    {
        Port = FreePort();
        Directory.CreateDirectory(Root);
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>The working directory; holds data/ and logs/.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "opsconsole-e2e", Guid.NewGuid().ToString("N"));

    public bool IsRunning => process is { HasExited: false };

    /// <summary>The console's process id while it runs (the circuits benchmark reads its memory).</summary>
    public int? ProcessId => IsRunning ? process!.Id : null;

    /// <summary>How the last stop went, for diagnostics.</summary>
    public string? LastStop { get; private set; }

    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("The console is already running.");
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["OpsConsole__DataDirectory"] = Path.Combine(Root, "data");
        start.Environment["OpsConsole__LogDirectory"] = Path.Combine(Root, "logs");
        start.Environment["OpsConsole__Api__BootstrapKey"] = BootstrapKey;
        start.Environment["OpsConsole__Admin__Password"] = AdminPassword;
        start.Environment["GitHub__WebhookSecret"] = WebhookSecret;
        start.Environment["DOTNET_NOLOGO"] = "1";

        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await WaitUntilReadyAsync(process);
    }

    /// <summary>Stops the console as a service manager would (SIGTERM), and kills it if it does not finish in time.</summary>
    public async Task StopAsync()
    {
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            if (!OperatingSystem.IsWindows())
            {
                _ = SignalTerminate(process.Id);
            }
            else
            {
                process.Kill(entireProcessTree: true);
            }

            var stopping = Stopwatch.StartNew();
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                LastStop = $"exited with code {process.ExitCode} after {stopping.Elapsed.TotalSeconds:F1} s";
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                LastStop = $"killed: still running {StopTimeout.TotalSeconds:F0} s after SIGTERM";
            }
        }

        process.Dispose();
        process = null;
    }

    /// <summary>The console's own output, for a failure message.</summary>
    public string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private Task WaitUntilReadyAsync(Process started) =>
        Readiness.WaitAsync(BaseAddress, "The console", () => started.HasExited ? started.ExitCode : null, Tail, StartTimeout);

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private string Tail()
    {
        var all = Output();
        return all.Length <= 4000 ? all : all[^4000..];
    }

    /// <summary>The console's build output beside this test project's (same configuration).</summary>
    private static string AppDll()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent?.Name ?? "Debug";
        var candidates = new[]
        {
            RepositoryRoot.Combine("src", "OpsConsole", "bin", configuration, framework, "OpsConsole.dll"),
            Path.Combine(testOutput.FullName, "OpsConsole.dll"),
        };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"OpsConsole.dll not found; build the solution first. Looked in: {string.Join(", ", candidates)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SignalProcess(int pid, int signal);

    private static int SignalTerminate(int pid) => SignalProcess(pid, 15);
}
