using Microsoft.AspNetCore.Components;
using OpsConsole.Components.Dashboard;

namespace OpsConsole.Components.Pages;

public sealed partial class Dashboard
{
    private DashboardView? view;

    [Inject] private DashboardMarkup Markup { get; set; } = default!;

    protected override async Task LoadAsync() => view = await Markup.GetAsync();
}
