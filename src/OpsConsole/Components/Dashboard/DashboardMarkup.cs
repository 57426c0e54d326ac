using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using OpsConsole.Features.Dashboard;

namespace OpsConsole.Components.Dashboard;

/// <summary>The parts of the dashboard, each rendered to HTML on its own so an open dashboard re-sends only what changed.</summary>
public enum DashboardPart
{
    Status,
    Banner,
    Tiles,
    Hourly,
    Timings,
    Agents,
    OpenTasks,
    Activity,
}

/// <summary>One snapshot of the dashboard as HTML, a string per part.</summary>
public sealed record DashboardView(IReadOnlyDictionary<DashboardPart, MarkupString> Parts)
{
    public MarkupString this[DashboardPart part] => Parts[part];
}

/// <summary>
/// The dashboard rendered once per snapshot and shared by every open dashboard. A dashboard circuit then holds a few
/// references to the same strings instead of ~170 components with their own render trees (issue #7's memory goal:
/// 300 KB per circuit); Blazor's diff compares the strings and re-sends a part only when its HTML changed.
/// Razor encodes every value as in any component, so what people typed is shown, never run.
/// </summary>
public sealed class DashboardMarkup(DashboardFeed feed, IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    private readonly Lock gate = new();
    private (DashboardSnapshot Snapshot, Task<DashboardView> View)? current;
    private DashboardView? previous;

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
        // A renderer per snapshot: an HtmlRenderer keeps every root component it rendered until it is disposed.
        await using var scope = scopes.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, loggers);
        return await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var parts = new Dictionary<DashboardPart, MarkupString>();
            foreach (var part in Enum.GetValues<DashboardPart>())
            {
                var output = await renderer.RenderComponentAsync<DashboardSection>(ParameterView.FromDictionary(new Dictionary<string, object?>
                {
                    [nameof(DashboardSection.Snapshot)] = snapshot,
                    [nameof(DashboardSection.Part)] = part,
                }));
                var html = output.ToHtmlString();
                // A part that did not change keeps its string: dashboards still showing an older snapshot share it.
                parts[part] = previous?.Parts[part] is { } before && before.Value == html ? before : new MarkupString(html);
            }

            return previous = new DashboardView(parts);
        });
    }
}
