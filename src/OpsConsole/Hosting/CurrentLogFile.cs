using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting;

namespace OpsConsole.Hosting;

/// <summary>
/// The log file runbooks point <c>tail -f</c> at: always <c>orchestration.log</c>, the current file under that exact name. When a
/// day ends (by the events' own timestamps) or the file reaches its size limit it is renamed beside itself with a suffix,
/// <c>orchestration.20261125.log</c> (then <c>orchestration.20261125.1.log</c>, … for more that day), and a new current file
/// starts; the newest <see cref="RetainedFiles"/> older files are kept. Serilog's own rolling names even the current file by date.
/// </summary>
public sealed class CurrentLogFile : ILogEventSink, IDisposable
{
    public const string FileName = "orchestration.log";
    public const int RetainedFiles = 14;

    private readonly Lock gate = new();
    private readonly string directory;
    private readonly ITextFormatter formatter;
    private readonly long sizeLimit;
    private StreamWriter? writer;
    private DateOnly period;

    public CurrentLogFile(string directory, ITextFormatter formatter, long sizeLimitBytes = 50 * 1024 * 1024)
    {
        this.directory = Directory.CreateDirectory(directory).FullName;
        this.formatter = formatter;
        sizeLimit = sizeLimitBytes;
        Path = System.IO.Path.Combine(this.directory, FileName);
    }

    public string Path { get; }

    public void Emit(LogEvent logEvent)
    {
        var day = DateOnly.FromDateTime(logEvent.Timestamp.DateTime);
        lock (gate)
        {
            if (writer is null)
            {
                Open(day);
            }
            else if (day != period || writer.BaseStream.Length >= sizeLimit || !File.Exists(Path))
            {
                // A new day, a full file, or the file was moved away (by an operator or logrotate): start a new current file.
                writer.Dispose();
                writer = null;
                if (File.Exists(Path))
                {
                    Archive(period);
                }

                Open(day);
            }

            formatter.Format(logEvent, writer!);
            writer!.Flush();
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            writer?.Dispose();
            writer = null;
        }
    }

    /// <summary>Opens (appends to) the current file; one left from an earlier day is archived first.</summary>
    private void Open(DateOnly day)
    {
        if (File.Exists(Path) && DateOnly.FromDateTime(File.GetLastWriteTime(Path)) is var written && written < day)
        {
            Archive(written);
        }

        var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        writer = new StreamWriter(stream, new UTF8Encoding(false));
        period = day;
    }

    private void Archive(DateOnly day)
    {
        var stem = $"orchestration.{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}";
        var target = System.IO.Path.Combine(directory, stem + ".log");
        for (var n = 1; File.Exists(target); n++)
        {
            target = System.IO.Path.Combine(directory, $"{stem}.{n}.log");
        }

        File.Move(Path, target);
        foreach (var old in Directory.GetFiles(directory, "orchestration.*.log").OrderByDescending(File.GetLastWriteTimeUtc).ThenByDescending(f => f, StringComparer.Ordinal).Skip(RetainedFiles))
        {
            File.Delete(old);
        }
    }
}
