using Microsoft.AspNetCore.Components;
using OpsConsole.Components.Dashboard;
using OpsConsole.Domain;

namespace OpsConsole.Components.Pages;

public sealed partial class Dashboard
{
    private DashboardView? view;

    [Inject] private DashboardMarkup Markup { get; set; } = default!;

    /// <summary>Everything but a GitHub issue's delivery, which the dashboard does not show.</summary>
    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is not IssueLinked;

    protected override async Task LoadAsync() => view = await Markup.GetAsync();
}
