using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Architecture;

/// <summary>
/// STYLE.md rule 17: the application logs only through <c>[LoggerMessage]</c> methods of one <c>…Log</c> class per area
/// (the ranges are listed on <c>Hosting.HostingLog</c>), each with its own event id, so a log line can be found by its id.
/// </summary>
public sealed partial class LoggingTests
{
    [GeneratedRegex(@"\.Log(?:Trace|Debug|Information|Warning|Error|Critical)\s*\(|\b(?:logger|_logger|Logger)\s*\.\s*Log\s*[(<]|\bLog\.(?:Verbose|Debug|Information|Warning|Error|Fatal|Write)\s*\(|LoggerMessage\.Define")]
    private static partial Regex DirectCall();

    [GeneratedRegex(@"\bstatic\s+partial\s+class\s+\w+Log\b")]
    private static partial Regex LogClass();

    [Fact]
    public void No_source_file_logs_except_through_the_generated_log_classes()
    {
        var sources = SourceScan.Sources(_ => true);
        Assert.True(sources.Count > 100, $"expected the application's source files, found {sources.Count}");

        var direct = DirectCalls(sources);

        Assert.True(direct.Count == 0, "Log through a [LoggerMessage] method of the area's …Log class instead:\n" + string.Join("\n", direct));
    }

    [Fact]
    public void The_scan_finds_direct_calls_and_leaves_log_classes_comments_and_strings_alone()
    {
        var sources = new Dictionary<string, string>
        {
            ["Features/Bad.cs"] = "class Bad { void M() { logger.LogInformation(\"Task {Id} done\", id); } }",
            ["Data/Worse.cs"] = "class Worse { void M() {\n  logger.LogWarning(ex, \"failed\");\n  logger.Log(level, \"{X}\", x);\n  this.logger\n    .LogError(\"split\"); } }",
            ["Hosting/Static.cs"] = "class Static { void M() { Serilog.Log.Information(\"started\"); } }",
            ["Components/Page.razor"] = "@code { void M() => Logger.LogDebug(\"clicked\"); }",
            ["Realtime/Defined.cs"] = "class Defined { static readonly Action<ILogger, Exception?> Said = LoggerMessage.Define(LogLevel.Information, 1, \"said\"); }",
            ["Features/Fine.cs"] = "// logger.LogInformation(\"in a comment\") is no call\nclass Fine { string S = \"logger.LogWarning(x)\"; void M() { FineLog.Done(logger, id); dialog.Log(\"not a logger\"); } }",
            ["Features/FineLog.cs"] = "internal static partial class FineLog { static void Helper(ILogger logger) => logger.LogInformation(\"allowed here\"); }",
        };

        var direct = DirectCalls(sources);

        Assert.Equal(
        [
            "Components/Page.razor:1 .LogDebug(",
            "Data/Worse.cs:2 .LogWarning(",
            "Data/Worse.cs:3 logger.Log(",
            "Data/Worse.cs:5 .LogError(",
            "Features/Bad.cs:1 .LogInformation(",
            "Hosting/Static.cs:1 Log.Information(",
            "Realtime/Defined.cs:1 LoggerMessage.Define",
        ], direct);
    }

    [Fact]
    public void Every_log_method_names_an_event_id_of_its_own_and_lives_in_an_area_log_class()
    {
        var methods = LogMethods(typeof(WorkItem).Assembly);
        Assert.True(methods.Count > 80, $"expected the application's log methods, found {methods.Count}");

        var problems = Problems(methods);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_event_id_check_finds_a_missing_id_a_repeated_id_and_a_method_outside_a_log_class()
    {
        var methods = new List<LogMethod>
        {
            new("DataLog", "A", 2000),
            new("DataLog", "B", 2001),
            new("RulesLog", "Saved", 2001),
            new("RulesLog", "Deleted", -1),
            new("SomeService", "Said", 7000),
        };

        Assert.Equal(
        [
            "RulesLog.Deleted has no EventId",
            "SomeService.Said is not in an area's …Log class",
            "event id 2001 is used by DataLog.B, RulesLog.Saved",
        ], Problems(methods));
    }

    [Fact]
    public void A_generated_method_writes_the_template_and_properties_the_direct_call_wrote()
    {
        // The same line written the old way and through the generated method: what operators and Serilog see is unchanged,
        // a format specifier, more than six placeholders and
        // placeholders that are C# keywords ({Base}, {Event}) included; only the event id is new.
        var until = new DateTime(2026, 5, 1, 13, 4, 5, DateTimeKind.Utc);
        var old = new Capture();
        old.LogWarning("GitHub delivery paused until {Until:HH:mm:ss} UTC: {Message}", until, "rate limited");
        old.LogInformation(
            "Starting AI Orchestration Engine: interval {Interval}s, deployment check {Deploy}s, health check {Health}s, heartbeat timeout {Heartbeat}s, stall timeout {Stall}s, retry backoff {Base}s..{Max}s, verbose {Verbose}, dry-run {DryRun}",
            30, 60, 300, 600, 900, 60, 3600, false, true);
        old.LogWarning(new InvalidOperationException("gone"), "Could not give back the lease on '{Lease}'; other nodes take it over when it lapses", "sweep");
        old.LogWarning("Notification {Id} ({Event}, rule {Rule}) not delivered (attempt {Attempt}): {Error}{Then}", 7L, "task.failed", "Page", 2, "HTTP 503", "; given up");

        var generated = new Capture();
        OpsConsole.Integrations.GitHub.GitHubLog.DeliveryPaused(generated, until, "rate limited");
        OpsConsole.Hosting.HostingLog.EngineStarting(generated, 30, 60, 300, 600, 900, 60, 3600, false, true);
        OpsConsole.Data.DataLog.LeaseNotReleased(generated, new InvalidOperationException("gone"), "sweep");
        OpsConsole.Integrations.Notifications.NotificationsLog.NotDelivered(generated, 7, "task.failed", "Page", 2, "HTTP 503", "; given up");

        Assert.Equal(old.Lines.Select(l => l with { EventId = 0 }), generated.Lines.Select(l => l with { EventId = 0 }));
        Assert.Equal("GitHub delivery paused until 13:04:05 UTC: rate limited", generated.Lines[0].Message);
        Assert.Equal([5003, 1002, 2022, 5101], generated.Lines.Select(l => l.EventId));
    }

    /// <summary>"file:line call" for every direct logging call outside a <c>…Log</c> class's file, comments and strings left out.</summary>
    private static List<string> DirectCalls(IReadOnlyDictionary<string, string> sources)
    {
        var found = new List<string>();
        foreach (var (file, text) in sources.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var code = SourceScan.CodeOnly(text);
            if (LogClass().IsMatch(code))
            {
                continue;
            }

            foreach (Match call in DirectCall().Matches(code))
            {
                var line = code[..call.Index].Count(c => c == '\n') + 1;
                found.Add($"{file}:{line} {Regex.Replace(call.Value, @"\s+", "").TrimEnd('<')}");
            }
        }

        return found;
    }

    private sealed record LogMethod(string Class, string Name, int EventId);

    private static List<LogMethod> LogMethods(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => new LogMethod(m.Method.DeclaringType!.Name, m.Method.Name, m.Attribute!.EventId))];

    private static List<string> Problems(IReadOnlyList<LogMethod> methods)
    {
        // LoggerMessageAttribute.EventId is -1 when the attribute does not set it.
        var problems = methods.Where(m => m.EventId < 0).Select(m => $"{m.Class}.{m.Name} has no EventId").ToList();
        problems.AddRange(methods.Where(m => !m.Class.EndsWith("Log", StringComparison.Ordinal)).Select(m => $"{m.Class}.{m.Name} is not in an area's …Log class"));
        problems.AddRange(methods.Where(m => m.EventId >= 0).GroupBy(m => m.EventId).Where(g => g.Count() > 1)
            .Select(g => $"event id {g.Key} is used by {string.Join(", ", g.Select(m => $"{m.Class}.{m.Name}"))}"));
        return problems;
    }

    private sealed record Line(LogLevel Level, int EventId, string Message, string Properties, string? Exception);

    /// <summary>Keeps what a provider would see of each line: level, event id, the rendered message and the named values.</summary>
    private sealed class Capture : ILogger
    {
        public List<Line> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            Lines.Add(new Line(logLevel, eventId.Id, formatter(state, exception), properties, exception?.Message));
        }
    }
}
