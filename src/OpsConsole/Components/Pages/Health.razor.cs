using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Components.Pages;

public sealed partial class Health
{
    /// <summary>The number each metric is charted by, the factor it is shown with, and its legend.</summary>
    private static readonly Dictionary<(string, string), (string Field, double Scale, string Legend)> Charted = new()
    {
        [("agents", "availability")] = ("ratio", 100, "available %"),
        [("task_queue", "pending_tasks")] = ("count", 1, "pending"),
        [("process", "cpu")] = ("percent", 1, "cpu %"),
        [("process", "memory")] = ("working_set_mb", 1, "working set MB"),
        [("database", "connectivity")] = ("latency_ms", 1, "latency ms"),
        [("jobs", "hangfire")] = ("failed", 1, "failed jobs"),
        [("github", "outbox")] = ("pending", 1, "GitHub changes waiting"),
    };

    private IReadOnlyList<HealthSample> latest = [];
    private Dictionary<(string, string), List<(DateTime At, double Value)>> history = [];
    private HealthSummary? summary;

    [Inject] private HealthService HealthService { get; set; } = default!;
    [Inject] private IOptionsMonitor<OrchestrationOptions> Options { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is HealthChanged;

    protected override async Task LoadAsync()
    {
        latest = await HealthService.LatestAsync(CancellationToken.None);
        summary = HealthRollup.Summarize(latest, Now);
        var since = Now.AddHours(-24);
        var samples = await HealthService.HistoryAsync(since, CancellationToken.None);
        history = samples
            .GroupBy(h => (h.Component, h.MetricName))
            .ToDictionary(g => g.Key, g => g.Select(h => (h.LastCheck, Number(h))).Where(p => p.Item2 is not null).Select(p => (p.LastCheck, p.Item2!.Value)).TakeLast(48).ToList());
    }

    private Task SnapshotAsync() => ActAsync(() => HealthService.SnapshotAsync(Options.CurrentValue.DryRun, CancellationToken.None));

    private static double? Number(HealthSample sample)
    {
        if (!Charted.TryGetValue((sample.Component, sample.MetricName), out var chart))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(sample.MetricValue);
            return doc.RootElement.TryGetProperty(chart.Field, out var value) && value.TryGetDouble(out var number) ? number * chart.Scale : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Values(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return string.Join(" · ", doc.RootElement.EnumerateObject().Select(p => $"{p.Name.Replace('_', ' ')} {(p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())}"));
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static List<ChartSeries<double>> Series(HealthSample sample, List<(DateTime At, double Value)> points) =>
    [
        new() { Name = Charted[(sample.Component, sample.MetricName)].Legend, Data = points.Select(p => p.Value).ToArray() },
    ];

    /// <summary>Ticks spaced for the values at hand, so a ratio or a small count is not drawn flat on the axis.</summary>
    private static LineChartOptions ChartOptions(List<(DateTime At, double Value)> points) => new()
    {
        YAxisTicks = Ui.NiceStep(points.Max(p => p.Value) - Math.Min(0, points.Min(p => p.Value))),
    };

    private static string[] Labels(List<(DateTime At, double Value)> points) =>
        points.Select((p, i) => i % Math.Max(1, points.Count / 6) == 0 ? p.At.ToString("HH:mm", CultureInfo.InvariantCulture) : "").ToArray();
}
