using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.WebUtilities;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.Components.Pages;

public enum BulkAction
{
    Retry,
    Escalate,
    Reassign,
    Cancel,
}

public sealed partial class Tasks
{
    private MudDataGrid<WorkItem>? grid;
    private TaskSearch search = new();
    private HashSet<WorkItem> selected = [];
    private List<Agent> agents = [];
    private static readonly int[] PageSizes = [10, 25, 50, 100];
    private TaskPage? page;
    private string? cursor; // where the page shown starts (null: the first page); a live reload reads the same page again
    private int pageSize = 25;
    private string? gridError;

    [Inject] private TaskQueries Queries { get; set; } = default!;
    [Inject] private OrchestrationEngine Engine { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var query = QueryHelpers.ParseQuery(new Uri(Navigation.Uri).Query).ToDictionary(q => q.Key, q => (string?)q.Value.ToString());
        search = TaskSearch.FromQuery(query);
        await base.OnInitializedAsync();
    }

    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is WorkItemChanged or AgentChanged;

    protected override async Task LoadAsync()
    {
        agents = await Queries.AgentsAsync(CancellationToken.None);
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }
    }

    private async Task<GridData<WorkItem>> ServerDataAsync(GridState<WorkItem> state, CancellationToken cancellationToken)
    {
        if (state.SortDefinitions.FirstOrDefault() is { } sort)
        {
            var column = sort.SortBy switch
            {
                "Title" => "title",
                "Status" => "status",
                "EscalationLevel" => "escalation_level",
                "CreatedOn" => "created_on",
                "DueDate" => "due_date",
                _ => "priority",
            };
            if (column != search.SortBy || sort.Descending != search.Descending)
            {
                search = search with { SortBy = column, Descending = sort.Descending };
                cursor = null; // another order: back to its first page
            }
        }

        try
        {
            page = await Queries.PageAsync(search, cursor, pageSize, cancellationToken);
            gridError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failing read must not take the circuit down with it; the page says what happened instead.
            page = null;
            gridError = ex.Message;
        }

        _ = InvokeAsync(StateHasChanged);
        return new GridData<WorkItem> { Items = page?.Items ?? [], TotalItems = page?.Count ?? 0 };
    }

    private string CountText => page?.CountText ?? "0";

    /// <summary>
    /// "26–50 of 10,000+". Pages reached from the end of a list counted only up to its limit have no number: "last 25 of
    /// 10,000+", then "25 near the end of 10,000+".
    /// </summary>
    private string RangeText => page switch
    {
        null or { Items.Count: 0 } => $"0 of {CountText}",
        { Number: { } number } => $"{((number - 1) * pageSize) + 1:N0}–{((number - 1) * pageSize) + page.Items.Count:N0} of {CountText}",
        { Next: null } => $"last {page.Items.Count} of {CountText}",
        _ => $"{page.Items.Count} near the end of {CountText}",
    };

    private async Task GoAsync(TaskPageLink? link)
    {
        if (link is null || grid is null)
        {
            return;
        }

        cursor = link.Cursor;
        selected = []; // a new set: the grid keeps its own selection until its parameter changes
        await grid.ReloadServerData();
    }

    private async Task PageSizeChangedAsync(int size)
    {
        pageSize = size;
        cursor = null;
        if (grid is not null)
        {
            await grid.SetRowsPerPageAsync(size);
        }
    }

    private async Task ApplyAsync(TaskSearch next)
    {
        search = next;
        cursor = null;
        selected = [];
        var query = search.ToQueryString();
        Navigation.NavigateTo(query.Length == 0 ? "tasks" : $"tasks?{query}", replace: true);
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }
    }

    /// <summary>Whether anything narrows the list (the sort order is not a filter).</summary>
    private bool HasFilters => (search with { SortBy = "priority", Descending = true }).ToQueryString().Length > 0;

    private Task ClearFiltersAsync() => ApplyAsync(new TaskSearch { SortBy = search.SortBy, Descending = search.Descending });

    private void SelectionChanged(HashSet<WorkItem> items) => selected = [.. items];

    private string RowClass(WorkItem item, int index) => item.NeedsAttention ? "ops-attention" : "";

    private async Task BulkAsync(BulkAction action)
    {
        var count = selected.Count == 1 ? "1 task" : $"{selected.Count} tasks";
        if (!await ConfirmAsync(
            $"{action} {count}?",
            action switch
            {
                BulkAction.Retry => "Failed tasks get another attempt now; others are left as they are.",
                BulkAction.Escalate => "Each task goes up one escalation level and one priority step.",
                BulkAction.Reassign => "Waiting tasks are given to the best free agent now.",
                _ => "Cancelled tasks stop for good; their agents are freed.",
            },
            yes: $"{action} {count}", cancel: "Keep as is"))
        {
            return;
        }

        var actor = await ActorAsync();
        var done = 0;
        var refusals = new List<string>();
        foreach (var item in selected.ToList())
        {
            try
            {
                switch (action)
                {
                    case BulkAction.Retry: await Engine.RetryAsync(item.Id, actor, CancellationToken.None); break;
                    case BulkAction.Escalate: await Engine.EscalateAsync(item.Id, "Bulk escalation from the console", actor, CancellationToken.None); break;
                    case BulkAction.Reassign: await Engine.AssignAsync(item.Id, null, null, actor, CancellationToken.None); break;
                    default: await Engine.CancelAsync(item.Id, "Bulk cancel from the console", actor, CancellationToken.None); break;
                }

                done++;
            }
            catch (RefusedException ex)
            {
                refusals.Add($"{item.Title}: {ex.Message}");
            }
        }

        Snackbar.Add(
            refusals.Count == 0 ? $"{action}: {done} task(s) done." : $"{action}: {done} done, {refusals.Count} refused — {refusals[0]}",
            refusals.Count == 0 ? Severity.Success : Severity.Warning);
        selected = [];
        await ReloadAsync();
    }
}
