using Microsoft.AspNetCore.Components;
using OpsConsole.Features.Dashboard;

namespace OpsConsole.Components.Dashboard;

/// <summary>
/// The parts of the dashboard, each rendered to HTML on its own: a whole part (<see cref="Status"/> to
/// <see cref="Timings"/>), or one tile, table row or activity line, keyed so that an open dashboard is sent only the
/// tiles and rows that changed, and a new row is inserted rather than the table rebuilt.
/// </summary>
public enum DashboardPart
{
    Status,
    Banner,
    Hourly,
    Timings,
    Tile,
    AgentRow,
    TaskRow,
    ActivityRow,
}

/// <summary>One tile, row or line of the dashboard as HTML, with what identifies it and the class of its row.</summary>
public sealed record KeyedMarkup(object Key, MarkupString Html, string? Class = null);

/// <summary>One snapshot of the dashboard as HTML.</summary>
public sealed record DashboardView(
    IReadOnlyDictionary<DashboardPart, MarkupString> Parts,
    IReadOnlyList<KeyedMarkup> Tiles,
    IReadOnlyList<KeyedMarkup> Agents,
    IReadOnlyList<KeyedMarkup> OpenTasks,
    IReadOnlyList<KeyedMarkup> Activity)
{
    public MarkupString this[DashboardPart part] => Parts[part];
}

/// <summary>
/// The dashboard rendered once per snapshot and shared by every open dashboard. A dashboard circuit then holds a few
/// references to the same strings instead of ~170 components with their own render trees (issue #7's memory goal:
/// 300 KB per circuit); Blazor's diff compares the strings and re-sends a part, tile or row only when its HTML changed,
/// so each browser redoes a few rows per change instead of the whole page.
/// Razor encodes every value as in any component, so what people typed is shown, never run.
/// </summary>
public sealed class DashboardMarkup(DashboardFeed feed, IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    private readonly Lock gate = new();
    private (DashboardSnapshot Snapshot, Task<DashboardView> View)? current;
    private Dictionary<(DashboardPart, object), MarkupString> previous = [];

    public async Task<DashboardView> GetAsync()
    {
        var snapshot = await feed.GetAsync();
        Task<DashboardView> view;
        lock (gate)
        {
            if (current is { } cached && ReferenceEquals(cached.Snapshot, snapshot) && !cached.View.IsFaulted)
            {
                view = cached.View;
            }
            else
            {
                view = RenderAsync(snapshot);
                current = (snapshot, view);
            }
        }

        return await view;
    }

    private async Task<DashboardView> RenderAsync(DashboardSnapshot snapshot)
    {
        await using var renderer = new StaticHtml(scopes, loggers);
        return await renderer.InvokeAsync(async () =>
        {
            var rendered = new Dictionary<(DashboardPart, object), MarkupString>();

            async Task<MarkupString> RenderPartAsync(DashboardPart part, object key, Dictionary<string, object?> parameters)
            {
                parameters[nameof(DashboardSection.Snapshot)] = snapshot;
                parameters[nameof(DashboardSection.Part)] = part;
                var html = await renderer.RenderAsync<DashboardSection>(parameters);
                // What did not change keeps its string: dashboards still showing an older snapshot share it.
                var markup = previous.TryGetValue((part, key), out var before) && before.Value == html ? before : new MarkupString(html);
                return rendered[(part, key)] = markup;
            }

            var parts = new Dictionary<DashboardPart, MarkupString>();
            foreach (var part in new[] { DashboardPart.Status, DashboardPart.Banner, DashboardPart.Hourly, DashboardPart.Timings })
            {
                parts[part] = await RenderPartAsync(part, part, []);
            }

            var tiles = new List<KeyedMarkup>();
            for (var i = 0; i < DashboardSection.Tiles(snapshot.Dashboard).Length; i++)
            {
                tiles.Add(new(i, await RenderPartAsync(DashboardPart.Tile, i, new() { [nameof(DashboardSection.Index)] = i })));
            }

            var agents = new List<KeyedMarkup>();
            foreach (var agent in snapshot.Agents)
            {
                agents.Add(new(agent.Id, await RenderPartAsync(DashboardPart.AgentRow, agent.Id, new() { [nameof(DashboardSection.Agent)] = agent })));
            }

            var tasks = new List<KeyedMarkup>();
            foreach (var task in snapshot.OpenTasks)
            {
                var html = await RenderPartAsync(DashboardPart.TaskRow, task.Id, new() { [nameof(DashboardSection.Task)] = task });
                tasks.Add(new(task.Id, html, task.NeedsAttention ? "ops-attention" : null));
            }

            var activity = new List<KeyedMarkup>();
            foreach (var line in snapshot.Activity)
            {
                activity.Add(new(line.Entry.Id, await RenderPartAsync(DashboardPart.ActivityRow, line.Entry.Id, new() { [nameof(DashboardSection.Activity)] = line })));
            }

            previous = rendered;
            return new DashboardView(parts, tiles, agents, tasks, activity);
        });
    }
}
