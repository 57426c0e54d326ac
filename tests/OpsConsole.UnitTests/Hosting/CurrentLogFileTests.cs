using Serilog.Events;
using Serilog.Formatting.Compact;
using Serilog.Parsing;
using OpsConsole.Hosting;

namespace OpsConsole.UnitTests.Hosting;

/// <summary>logs/orchestration.log is always the current file; older days and full files roll beside it with a suffix.</summary>
public sealed class CurrentLogFileTests : IDisposable
{
    private static readonly DateTimeOffset Day1 = new(2026, 11, 25, 23, 59, 0, TimeSpan.Zero);
    private readonly string directory = Path.Combine(Path.GetTempPath(), "opsconsole-logfile-tests", Guid.NewGuid().ToString("N"));

    private static LogEvent Line(DateTimeOffset at, string text) =>
        new(at, LogEventLevel.Information, null, new MessageTemplateParser().Parse(text), []);

    private string Read(string name) => File.ReadAllText(Path.Combine(directory, name));

    private string[] Files() => [.. Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    [Fact]
    public void The_current_file_is_orchestration_log_and_a_new_day_rolls_the_old_one_beside_it_with_its_date()
    {
        using (var log = new CurrentLogFile(directory, new CompactJsonFormatter()))
        {
            log.Emit(Line(Day1, "engine started"));
            Assert.Contains("engine started", Read("orchestration.log"));

            log.Emit(Line(Day1.AddMinutes(2), "next day's sweep"));
        }

        Assert.Equal(["orchestration.20261125.log", "orchestration.log"], Files());
        Assert.Contains("engine started", Read("orchestration.20261125.log"));
        Assert.DoesNotContain("next day's sweep", Read("orchestration.20261125.log"));
        Assert.Contains("next day's sweep", Read("orchestration.log"));
        Assert.DoesNotContain("engine started", Read("orchestration.log"));
    }

    [Fact]
    public void A_full_file_rolls_with_a_numbered_suffix_and_only_the_newest_older_files_are_kept()
    {
        using (var log = new CurrentLogFile(directory, new CompactJsonFormatter(), sizeLimitBytes: 1))
        {
            for (var i = 0; i < CurrentLogFile.RetainedFiles + 5; i++)
            {
                log.Emit(Line(Day1.AddSeconds(i), $"line {i}"));
            }
        }

        var files = Files();
        Assert.Contains("orchestration.log", files);
        Assert.Contains("orchestration.20261125.1.log", files);
        Assert.Equal(CurrentLogFile.RetainedFiles + 1, files.Length);
        Assert.Contains($"line {CurrentLogFile.RetainedFiles + 4}", Read("orchestration.log"));
    }

    [Fact]
    public void A_restart_on_the_same_day_appends_and_on_a_later_day_rolls_what_an_earlier_run_left()
    {
        using (var first = new CurrentLogFile(directory, new CompactJsonFormatter()))
        {
            first.Emit(Line(DateTimeOffset.Now, "first run"));
        }

        using (var again = new CurrentLogFile(directory, new CompactJsonFormatter()))
        {
            again.Emit(Line(DateTimeOffset.Now, "second run"));
        }

        Assert.Contains("first run", Read("orchestration.log"));
        Assert.Contains("second run", Read("orchestration.log"));

        File.SetLastWriteTime(Path.Combine(directory, "orchestration.log"), new DateTime(2026, 11, 20, 12, 0, 0, DateTimeKind.Local));
        using (var later = new CurrentLogFile(directory, new CompactJsonFormatter()))
        {
            later.Emit(Line(DateTimeOffset.Now, "third run"));
        }

        Assert.Contains("second run", Read("orchestration.20261120.log"));
        Assert.DoesNotContain("second run", Read("orchestration.log"));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
