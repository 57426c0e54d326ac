using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Dashboard;

namespace OpsConsole.Components.Pages;

public sealed partial class Dashboard
{
    private DashboardDto? dashboard;
    private IReadOnlyList<Agent> agents = [];
    private IReadOnlyList<WorkItem> openTasks = [];
    private MetricsDto? metrics;
    private (TimeSpan? ToAssign, TimeSpan? ToResolve) timings;
    private IReadOnlyList<(WorkItemLogEntry Entry, string TaskTitle)> activity = [];
    private DateTime now;

    [Inject] private DashboardFeed Feed { get; set; } = default!;

    protected override async Task LoadAsync()
    {
        var snapshot = await Feed.GetAsync();
        (now, dashboard, metrics, timings, activity, agents, openTasks) =
            (snapshot.Now, snapshot.Dashboard, snapshot.Metrics, snapshot.Timings, snapshot.Activity, snapshot.Agents, snapshot.OpenTasks);
    }

    private IEnumerable<(string Label, int Value, Color Color)> Tiles()
    {
        var t = dashboard!.Tasks;
        yield return ("Pending", t.Pending, Color.Default);
        yield return ("Assigned", t.Assigned, Color.Info);
        yield return ("In progress", t.InProgress, Color.Primary);
        yield return ("Failed (24 h)", t.FailedToday, t.FailedToday > 0 ? Color.Error : Color.Default);
        yield return ("Need attention", t.NeedsAttention, t.NeedsAttention > 0 ? Color.Warning : Color.Default);
        yield return ("Completed (24 h)", t.CompletedToday, Color.Success);
    }

    private List<ChartSeries<double>> HourlySeries()
    {
        var hours = metrics!.RecentActivity.OrderByDescending(h => h.Hour).ToList();
        return
        [
            new() { Name = "created", Data = hours.Select(h => (double)h.TasksCreated).ToArray() },
            new() { Name = "completed", Data = hours.Select(h => (double)h.TasksCompleted).ToArray() },
            new() { Name = "failed", Data = hours.Select(h => (double)h.TasksFailed).ToArray() },
        ];
    }

    private BarChartOptions HourlyOptions() => new()
    {
        YAxisTicks = Ui.NiceStep(metrics!.RecentActivity.Select(h => (double)Math.Max(h.TasksCreated, Math.Max(h.TasksCompleted, h.TasksFailed))).DefaultIfEmpty().Max()),
    };

    private string[] HourLabels() => metrics!.RecentActivity.OrderByDescending(h => h.Hour)
        .Select(h => h.Hour % 4 == 0 ? h.Timestamp.ToString("HH:mm") : "").ToArray();

}
