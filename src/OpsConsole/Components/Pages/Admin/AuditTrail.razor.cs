using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.WebUtilities;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Audit;

namespace OpsConsole.Components.Pages.Admin;

public sealed partial class AuditTrail
{
    private MudDataGrid<AuditEntry>? grid;
    private AuditSearch search = new();
    private AuditFacets facets = new([], [], []);
    private DateRange? range;
    private int total;
    private string? gridError;

    [Inject] private AuditQueries Queries { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var query = QueryHelpers.ParseQuery(new Uri(Navigation.Uri).Query).ToDictionary(q => q.Key, q => (string?)q.Value.ToString());
        search = AuditSearch.FromQuery(query);
        range = search.From is null && search.To is null ? null : new DateRange(search.From?.Date, search.To?.Date);
        await base.OnInitializedAsync();
    }

    /// <summary>The trail grows with every change; new entries show on the next filter change or page turn, not while one is read.</summary>
    protected override bool IsRelevant(DomainEvent domainEvent) => false;

    protected override async Task LoadAsync()
    {
        facets = await Queries.FacetsAsync(CancellationToken.None);
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }
    }

    private async Task<GridData<AuditEntry>> ServerDataAsync(GridState<AuditEntry> state, CancellationToken cancellationToken)
    {
        IReadOnlyList<AuditEntry> items;
        int count;
        try
        {
            (items, count) = await Queries.SearchAsync(search, state.Page, state.PageSize, cancellationToken);
            gridError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failing read must not take the circuit down with it; the page says what happened instead.
            (items, count) = ([], 0);
            gridError = ex.Message;
        }

        if (total != count || gridError is not null)
        {
            total = count;
            _ = InvokeAsync(StateHasChanged);
        }

        return new GridData<AuditEntry> { Items = items, TotalItems = count };
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private Task RangeChangedAsync(DateRange? value)
    {
        range = value;
        return ApplyAsync(search with
        {
            From = value?.Start is { } start ? DateTime.SpecifyKind(start.Date, DateTimeKind.Utc) : null,
            To = value?.End is { } end ? DateTime.SpecifyKind(end.Date.AddDays(1).AddTicks(-1), DateTimeKind.Utc) : null,
        });
    }

    private async Task ApplyAsync(AuditSearch next)
    {
        search = next;
        var query = search.ToQueryString();
        Navigation.NavigateTo(query.Length == 0 ? "admin/audit" : $"admin/audit?{query}", replace: true);
        if (grid is not null)
        {
            await grid.ReloadServerData();
        }
    }

    private static Color ActionColor(string action) => action switch
    {
        "created" or "signed_in" or "unlocked" => Color.Success,
        "deleted" or "locked" or "sign_in_locked_out" => Color.Error,
        "sign_in_failed" or "role_changed" or "password_reset" => Color.Warning,
        _ => Color.Info,
    };

    /// <summary>The changed fields in one line, e.g. "priority: low → medium; status"; the row expands to the full before and after.</summary>
    private static string Summary(AuditEntry entry)
    {
        // modified_on moves with every change; the expanded row still shows it.
        var changes = Ui.AuditChanges(entry.Before, entry.After).Where(c => c.Field != "modified_on").ToList();
        if (changes.Count == 0)
        {
            return "";
        }

        static bool Short(string? value) => value is not null && value.Length <= 24;
        var shown = changes.Take(3).Select(c =>
            c.Before is null && Short(c.After) ? $"{c.Field}: {c.After}"
            : Short(c.Before) && Short(c.After) ? $"{c.Field}: {c.Before} → {c.After}"
            : c.Field);
        return string.Join("; ", shown) + (changes.Count > 3 ? $" and {changes.Count - 3} more" : "");
    }
}
