using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>
/// The built console (<c>dotnet src/OpsConsole/bin/&lt;configuration&gt;/net10.0/OpsConsole.dll</c>) as a real child process on a
/// free loopback port: Production, the bootstrap Admin key set, demo and GitHub off, its own working and log directory.
/// Several of them may share one data directory (one <c>opsconsole.db</c>, one <c>hangfire.db</c>): two nodes of one console.
/// Stop sends SIGTERM as a service manager would; Kill is <c>kill -9</c>. Disposing always leaves no process behind.
/// Linked into the benchmarks (contention), so it uses nothing from xUnit.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    public const string BootstrapKey = "two-node-bootstrap-key-0123456789abcdef";
    public const string AdminPassword = "Admin-pass-123";
    public const string Api = "/api/v1/orchestration/";

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private const int OutputLimit = 256 * 1024;

    /// <summary>Environment the parent may carry that would point the child somewhere else (another database, GitHub, a port).</summary>
    private static readonly string[] Inherited =
    [
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "GITHUB_TOKEN", "GITHUB_REPO", "GITHUB_COPILOT_USERNAME",
        "DEPLOYMENT_LOG_PATH", "GitHub__Token", "GitHub__Repository", "GitHub__ApiUrl", "ConnectionStrings__OpsConsole", "ConnectionStrings__Hangfire",
        "ConnectionStrings__Redis", "OpsConsole__DatabaseProvider", "OpsConsole__Demo", "OpsConsole__DataDirectory", "OpsConsole__LogDirectory",
    ];

    private readonly StringBuilder output = new();
    private readonly Process process;

    private AppProcess(string name, string root, int port, Process process)
    {
        Name = name;
        Root = root;
        Port = port;
        this.process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Client = CreateClient(BootstrapKey);
    }

    public string Name { get; }

    /// <summary>The directory that holds <c>data/</c> (shared by the nodes) and one working directory per node.</summary>
    public string Root { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>The API (<c>/api/v1/orchestration/</c>) with the bootstrap Admin key as Bearer.</summary>
    public HttpClient Client { get; }

    public int ProcessId => process.Id;

    public bool HasExited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>How the last stop or kill went, for failure messages.</summary>
    public string? LastStop { get; private set; }

    /// <summary>A fresh directory for a group of nodes; <see cref="DeleteRoot"/> removes it.</summary>
    public static string NewRoot() => Path.Combine(Path.GetTempPath(), "opsconsole-nodes", Guid.NewGuid().ToString("N"));

    public static string DataDirectoryOf(string root) => Path.Combine(root, "data");

    public static string DatabasePathOf(string root) => Path.Combine(DataDirectoryOf(root), "opsconsole.db");

    /// <summary>
    /// Starts a node named <paramref name="name"/> under <paramref name="root"/> and waits until <c>/readyz</c> answers 200.
    /// <paramref name="settings"/> are environment variables in the <c>Section__Key</c> form; a null value removes one.
    /// Nodes that share a fresh data directory must start one after the other: the first one creates and migrates it.
    /// </summary>
    public static async Task<AppProcess> StartAsync(string root, string name, IReadOnlyDictionary<string, string?>? settings = null, CancellationToken cancellationToken = default)
    {
        var workingDirectory = Path.Combine(root, name);
        Directory.CreateDirectory(workingDirectory);
        Directory.CreateDirectory(DataDirectoryOf(root));
        for (var attempt = 1; ; attempt++)
        {
            var node = Launch(root, name, workingDirectory, Loopback.FreePort(), settings);
            try
            {
                await node.WaitUntilReadyAsync(cancellationToken);
                return node;
            }
            catch (InvalidOperationException) when (attempt < 3 && node.Output().Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // Another process took the free port between our probe and the bind: try another one.
                await node.DisposeAsync();
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>An API client for this node with <paramref name="token"/> (an API key or an agent token) as Bearer.</summary>
    public HttpClient CreateClient(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseAddress, Api), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>True when <c>/readyz</c> answers 200 now.</summary>
    public async Task<bool> IsReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync("readyz");
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as a service manager stops it; killed if it is still running after <see cref="StopTimeout"/>. Returns the exit code.</summary>
    public async Task<int?> StopAsync()
    {
        if (HasExited)
        {
            return ExitCodeOrNull();
        }

        var stopping = Stopwatch.StartNew();
        if (OperatingSystem.IsWindows() || SignalProcess(process.Id, 15) != 0)
        {
            Kill();
            return ExitCodeOrNull();
        }

        using var timeout = new CancellationTokenSource(StopTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            LastStop = $"exited with code {process.ExitCode} {stopping.Elapsed.TotalSeconds:F1} s after SIGTERM";
        }
        catch (OperationCanceledException)
        {
            Kill();
            LastStop = $"killed: still running {StopTimeout.TotalSeconds:F0} s after SIGTERM";
        }

        return ExitCodeOrNull();
    }

    /// <summary>kill -9 (the whole process tree): no shutdown, no flush, whatever was in flight is cut.</summary>
    public void Kill()
    {
        if (HasExited)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }

        process.WaitForExit(10_000);
        LastStop = "killed (SIGKILL)";
    }

    /// <summary>The node's standard output and error so far (the last 256 KB).</summary>
    public string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    public string Tail(int characters = 4000)
    {
        var all = Output();
        return all.Length <= characters ? all : all[^characters..];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            Kill();
            Client.Dispose();
            process.Dispose();
        }
    }

    /// <summary>Removes a root made by <see cref="NewRoot"/> once its nodes are gone (best effort: a reader may still hold a file).</summary>
    public static void DeleteRoot(string root)
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The console's build output for this configuration (the test or benchmark assembly's own), or OPSCONSOLE_APP_DLL.</summary>
    public static string AppDll()
    {
        if (Environment.GetEnvironmentVariable("OPSCONSOLE_APP_DLL") is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"OPSCONSOLE_APP_DLL points to {given}, which does not exist");
        }

        var ownOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = ownOutput.Name;
        var configuration = ownOutput.Parent?.Name ?? "Release";
        var candidates = new[]
        {
            RepositoryRoot.Combine("src", "OpsConsole", "bin", configuration, framework, "OpsConsole.dll"),
            RepositoryRoot.Combine("src", "OpsConsole", "bin", "Release", "net10.0", "OpsConsole.dll"),
        };
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"OpsConsole.dll not found; build the solution first (dotnet build -c Release). Looked in: {string.Join(", ", candidates)}");
    }

    private static AppProcess Launch(string root, string name, string workingDirectory, int port, IReadOnlyDictionary<string, string?>? settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppDll());
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var inherited in Inherited)
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["OpsConsole__DataDirectory"] = DataDirectoryOf(root);
        start.Environment["OpsConsole__LogDirectory"] = Path.Combine(workingDirectory, "logs");
        start.Environment["OpsConsole__Api__BootstrapKey"] = BootstrapKey;
        start.Environment["OpsConsole__Admin__Password"] = AdminPassword;
        start.Environment["OpsConsole__Demo"] = "false";
        start.Environment["Deployments__LogPath"] = Path.Combine(workingDirectory, "deployment_log.json");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = start };
        var node = new AppProcess(name, root, port, process);
        process.OutputDataReceived += (_, e) => node.Record(e.Data);
        process.ErrorDataReceived += (_, e) => node.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private Task WaitUntilReadyAsync(CancellationToken cancellationToken) =>
        Readiness.WaitAsync(BaseAddress, Name, ExitCodeOrNull, () => Tail(), StartTimeout, cancellationToken);

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
            if (output.Length > OutputLimit)
            {
                output.Remove(0, output.Length - (OutputLimit / 2));
            }
        }
    }

    private int? ExitCodeOrNull()
    {
        try
        {
            return process.HasExited ? process.ExitCode : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SignalProcess(int pid, int signal);
}
