using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
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
    [Inject] private IDbContextFactory<OpsDbContext> DbFactory { get; set; } = default!;

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
        await using var db = await DbFactory.CreateDbContextAsync();
        agents = (await db.Agents.AsNoTracking().ToListAsync())
            .OrderByDescending(a => a.IsActive).ThenByDescending(a => a.PriorityWeight).ThenBy(a => a.Name).ToList();
        urgent = await db.WorkItems.AsNoTracking().Include(w => w.AssignedAgent)
            .Where(w => w.Status != WorkItemStatus.Completed && w.Status != WorkItemStatus.Cancelled)
            .OrderByDescending(w => w.Priority).ThenByDescending(w => w.NeedsAttention).ThenBy(w => w.CreatedOn)
            .Take(12).ToListAsync();
        emergencies = urgent.Where(w => w.Priority == WorkItemPriority.Emergency).ToList();
    }

    public override void Dispose()
    {
        clock?.Dispose();
        base.Dispose();
    }
}
