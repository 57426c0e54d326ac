using System.Globalization;

namespace OpsConsole.Cli.Worker;

/// <summary>The worker's timestamped lines, each written whole whichever of its loops writes it.</summary>
internal sealed class WorkerLog(TextWriter output)
{
    private readonly TextWriter output = TextWriter.Synchronized(output);

    public void Write(string text) => output.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {text}");
}
