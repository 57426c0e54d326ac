using System.Diagnostics;
using System.Text;

namespace OpsConsole.Cli.Worker;

/// <summary>What a task's command did.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string StderrTail, TimeSpan Duration);

/// <summary>Runs one shell command for one task: the task JSON on stdin, each stdout line handed to a callback as it comes.</summary>
public static class CommandRunner
{
    public const int TailCharacters = 4000;

    public static async Task<CommandResult> RunAsync(
        string command, string stdin, IReadOnlyDictionary<string, string> environment, Action<string> onLine, CancellationToken cancellationToken)
    {
        var info = OperatingSystem.IsWindows()
            ? new ProcessStartInfo("cmd.exe") { ArgumentList = { "/c", command } }
            : new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", command } };
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.StandardOutputEncoding = Encoding.UTF8;
        info.StandardErrorEncoding = Encoding.UTF8;
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start: {command}");
        var stdout = new StringBuilder();
        var stderr = new Tail(TailCharacters);
        var readOut = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
            {
                lock (stdout)
                {
                    // Keep the whole output up to a limit: a command may print its JSON result.
                    if (stdout.Length < 256 * 1024)
                    {
                        stdout.AppendLine(line);
                    }
                }

                onLine(line);
            }
        }, CancellationToken.None);
        var readErr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None) is { } line)
            {
                stderr.Add(line);
            }
        }, CancellationToken.None);

        try
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The command did not read its input (e.g. `echo done`) and has exited already: fine.
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }

            throw;
        }

        await Task.WhenAll(readOut, readErr);
        string all;
        lock (stdout)
        {
            all = stdout.ToString();
        }

        return new CommandResult(process.ExitCode, all, stderr.ToString(), watch.Elapsed);
    }

    /// <summary>The last characters of a stream of lines.</summary>
    private sealed class Tail(int max)
    {
        private readonly LinkedList<string> lines = [];
        private int length;

        public void Add(string line)
        {
            lock (lines)
            {
                lines.AddLast(line);
                length += line.Length + 1;
                while (length > max && lines.Count > 1)
                {
                    length -= lines.First!.Value.Length + 1;
                    lines.RemoveFirst();
                }
            }
        }

        public override string ToString()
        {
            lock (lines)
            {
                var text = string.Join('\n', lines);
                return text.Length > max ? text[^max..] : text;
            }
        }
    }
}
