using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;
using OpsConsole.Features.Dashboard;

namespace OpsConsole.Components.Pages;

/// <summary>The kiosk wall screen: nothing to click, readable from across the room, live.</summary>
public sealed partial class Wall
{
    private DashboardDto? dashboard;
    private List<Agent> agents = [];
    private List<WorkItem> urgent = [];
    private List<WorkItem> emergencies = [];
    private ITimer? clock;

    [Inject] private StatusQueries Status { get; set; } = default!;
    [Inject] private Features.Spend.SpendQueries Spend { get; set; } = default!;

    private Features.Spend.SpendToday? spend;
    [Inject] private Features.Agents.AgentService Agents { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        await base.OnInitializedAsync();
        // Countdowns and ages move even when nothing changes.
        clock = Time.CreateTimer(_ => InvokeAsync(StateHasChanged), null, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    protected override async Task LoadAsync()
    {
        dashboard = await Status.DashboardAsync(CancellationToken.None);
        spend = await Spend.TodayAsync(Now, CancellationToken.None);
        agents = await Agents.RosterAsync(CancellationToken.None);
        urgent = await Status.UrgentAsync(12, CancellationToken.None);
        emergencies = urgent.Where(w => w.Priority == WorkItemPriority.Emergency).ToList();
    }

    public override void Dispose()
    {
        clock?.Dispose();
        base.Dispose();
    }
}
