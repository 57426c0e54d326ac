using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace OpsConsole.Components.Layout;

/// <summary>
/// The drawer's page links as MudNavMenu's markup, built once per (current page, administrator or not) and shared by
/// every circuit: the navigation is in every open page, and as markup it is one render-tree frame instead of ~150.
/// </summary>
public static class NavigationMarkup
{
    private const string LinkIcon = "mud-icon-default mud-nav-link-icon mud-nav-link-icon-default";

    private sealed record NavItem(string Href, string Text, string Icon, bool NewTab = false);

    private static readonly NavItem[] Pages =
    [
        new("", "Dashboard", Icons.Material.Filled.Dashboard),
        new("tasks", "Tasks", Icons.Material.Filled.Assignment),
        new("agents", "Agents", Icons.Material.Filled.SmartToy),
        new("rules", "Rules", Icons.Material.Filled.Rule),
        new("health", "Health", Icons.Material.Filled.MonitorHeart),
        new("integrations", "Integrations", Icons.Material.Filled.Hub),
        new("wall", "Wall screen", Icons.Material.Filled.Tv, NewTab: true),
    ];

    private static readonly NavItem ApiReference = new("api/docs", "API reference", Icons.Material.Filled.Api, NewTab: true);

    private static readonly NavItem[] AdminPages =
    [
        new("admin/users", "Users", Icons.Material.Filled.People),
        new("admin/api-keys", "API keys", Icons.Material.Filled.Key),
        new("admin/audit", "Audit", Icons.Material.Filled.History),
        new("hangfire", "Background jobs", Icons.Material.Filled.Schedule, NewTab: true),
        ApiReference,
    ];

    private static readonly ConcurrentDictionary<(string? Current, bool Admin), MarkupString> Built = new();

    /// <summary>The links for someone on <paramref name="path"/> (base-relative, no query), the current one marked.</summary>
    public static MarkupString For(string path, bool admin)
    {
        var items = admin ? Pages.Concat(AdminPages) : Pages.Append(ApiReference);
        var current = items.FirstOrDefault(item => IsCurrent(item, path))?.Href;
        return Built.GetOrAdd((current, admin), key => Build(key.Current, key.Admin));
    }

    /// <summary>As NavLink: the dashboard only on "/", any other page on its address and the addresses below it.</summary>
    private static bool IsCurrent(NavItem item, string path) => item.Href.Length == 0
        ? path.Length == 0
        : path.Equals(item.Href, StringComparison.OrdinalIgnoreCase) || path.StartsWith(item.Href + "/", StringComparison.OrdinalIgnoreCase);

    private static MarkupString Build(string? current, bool admin)
    {
        var html = new StringBuilder("<nav class=\"mud-navmenu mud-navmenu-default mud-navmenu-margin-none\" aria-label=\"Pages\">");
        foreach (var item in Pages)
        {
            Link(html, item, current);
        }

        if (admin)
        {
            html.Append("<div class=\"mud-nav-group\" role=\"group\" aria-label=\"Administration\"><div class=\"ops-nav-heading\">")
                .Append(Ui.Icon(Icons.Material.Filled.AdminPanelSettings, LinkIcon).Value).Append("<span>Admin</span></div>");
            foreach (var item in AdminPages)
            {
                Link(html, item, current);
            }

            html.Append("</div>");
        }
        else
        {
            Link(html, ApiReference, current);
        }

        return new MarkupString(html.Append("</nav>").ToString());
    }

    private static void Link(StringBuilder html, NavItem item, string? current)
    {
        html.Append("<div class=\"mud-nav-item\"><a href=\"").Append(WebUtility.HtmlEncode(item.Href)).Append('"');
        html.Append(item.Href == current ? " class=\"mud-nav-link mud-ripple active\" aria-current=\"page\"" : " class=\"mud-nav-link mud-ripple\"");
        if (item.NewTab)
        {
            html.Append(" target=\"_blank\" rel=\"noopener noreferrer\"");
        }

        html.Append('>').Append(Ui.Icon(item.Icon, LinkIcon).Value)
            .Append("<div class=\"mud-nav-link-text\">").Append(WebUtility.HtmlEncode(item.Text)).Append("</div></a></div>");
    }
}
