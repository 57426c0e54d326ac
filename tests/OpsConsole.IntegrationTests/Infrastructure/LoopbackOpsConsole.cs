using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Cli;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>The real app on a real loopback Kestrel port (a free one), for clients that need an address: opsctl, WebSocket hub clients.</summary>
public class LoopbackOpsConsole : OpsConsoleFactory
{
    public LoopbackOpsConsole()
    {
        UseKestrel();
    }

    /// <summary>The port to listen on; 0 (the default) takes any free one.</summary>
    public int Port { get; init; }

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("urls", $"http://127.0.0.1:{Port}")];

    /// <summary>The address the app listens on, e.g. http://127.0.0.1:41234 (starts the app on first use).</summary>
    public string Url
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            return addresses.First().TrimEnd('/');
        }
    }

    /// <summary>Runs opsctl in-process against this app with the bootstrap key, as a terminal-less script would.</summary>
    public Task<CliRun> OpsctlAsync(params string[] args) => CliRun.RunAsync(Url, OpsConsoleFactory.BootstrapKey, args);
}

/// <summary>One opsctl invocation: exit code, standard output and standard error.</summary>
public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string url, string? apiKey, string[] args, IDictionary<string, string>? variables = null, CancellationToken cancellationToken = default)
    {
        var output = new LockedWriter();
        var error = new LockedWriter();
        var code = await CliApp.RunAsync(args, Environment(url, apiKey, output, error, variables), cancellationToken);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public static CliEnvironment Environment(string url, string? apiKey, TextWriter output, TextWriter error, IDictionary<string, string>? variables = null)
    {
        var all = new Dictionary<string, string>(variables ?? new Dictionary<string, string>()) { [CliEnvironment.UrlVariable] = url };
        if (apiKey is not null)
        {
            all[CliEnvironment.ApiKeyVariable] = apiKey;
        }

        return new CliEnvironment
        {
            Out = output,
            Error = error,
            Variable = name => all.TryGetValue(name, out var value) ? value : null,
            Color = false,
            HandleSignals = false,
        };
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>A StringWriter that may be written by several threads and read while they write.</summary>
public sealed class LockedWriter : StringWriter
{
    private readonly Lock gate = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Waits until <paramref name="text"/> has been written (by a command running alongside); a failure shows what was.</summary>
    public Task WaitForAsync(string text, string what) => Eventually.TrueAsync(() => ToString().Contains(text, StringComparison.Ordinal), what, detail: ToString);

    public override void Write(char value)
    {
        lock (gate)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (gate)
        {
            base.Write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (gate)
        {
            base.Write(buffer, index, count);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (gate)
        {
            base.Write(value);
            base.Write(NewLine);
        }
    }

    public override string ToString()
    {
        lock (gate)
        {
            return base.ToString();
        }
    }
}
