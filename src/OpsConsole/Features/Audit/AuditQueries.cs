using System.Globalization;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Api;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Security;

namespace OpsConsole.Features.Audit;

/// <summary>What the Audit page, the audit/ route and the CSV export filter by; <see cref="To"/> is inclusive.</summary>
public sealed record AuditSearch
{
    public string? Actor { get; init; }
    public string? Action { get; init; }
    public string? TargetType { get; init; }
    public string? TargetId { get; init; }
    public DateTime? From { get; init; }
    public DateTime? To { get; init; }
    public string? Text { get; init; }

    /// <summary>The query string of the CSV export (the audit/ route's parameter names, plus search).</summary>
    public string ToQueryString()
    {
        var parts = new List<string>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) parts.Add($"{key}={Uri.EscapeDataString(value)}");
        }

        Add("actor", Actor);
        Add("action", Action);
        Add("target_type", TargetType);
        Add("target_id", TargetId);
        Add("at__gte", From?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        Add("at__lte", To?.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        Add("search", Text);
        return string.Join('&', parts);
    }

    /// <summary>Lenient reading for the export link: a value that does not parse is left out.</summary>
    public static AuditSearch FromQuery(IReadOnlyDictionary<string, string?> query)
    {
        string? Get(string key, int max) => query.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) && v.Length <= max ? v.Trim() : null;
        DateTime? Time(string key) => DateTimeOffset.TryParse(Get(key, 64), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at.UtcDateTime : null;
        return new AuditSearch
        {
            Actor = Get("actor", 150),
            Action = Get("action", 30),
            TargetType = Get("target_type", 30),
            TargetId = Get("target_id", 64),
            From = Time("at__gte"),
            To = Time("at__lte"),
            Text = Get("search", 200),
        };
    }
}

/// <summary>The choices the Audit page offers in its filters: who and what appears in the trail.</summary>
public sealed record AuditFacets(IReadOnlyList<string> Actors, IReadOnlyList<string> Actions, IReadOnlyList<string> TargetTypes);

/// <summary>Reads the audit trail, newest first, filtered and paged in the database.</summary>
public sealed class AuditQueries(IDbContextFactory<OpsDbContext> dbFactory)
{
    public const int MaxExportRows = 100_000;

    public static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> query, AuditSearch search)
    {
        if (search.Actor is { } actor) query = query.Where(a => a.Actor == actor);
        if (search.Action is { } action) query = query.Where(a => a.Action == action);
        if (search.TargetType is { } type) query = query.Where(a => a.TargetType == type);
        if (search.TargetId is { } target) query = query.Where(a => a.TargetId == target);
        if (search.From is { } from) query = query.Where(a => a.At >= from);
        if (search.To is { } to) query = query.Where(a => a.At <= to);
        if (search.Text is { } text)
        {
            var term = text.ToLower();
            query = query.Where(a => a.Actor.ToLower().Contains(term) || a.TargetId.ToLower().Contains(term) || a.Action.ToLower().Contains(term)
                || (a.Before != null && a.Before.ToLower().Contains(term)) || (a.After != null && a.After.ToLower().Contains(term))
                || (a.Ip != null && a.Ip.Contains(term)));
        }

        return query.OrderByDescending(a => a.At).ThenBy(a => a.Id);
    }

    public async Task<(IReadOnlyList<AuditEntry> Items, int Total)> SearchAsync(AuditSearch search, int page, int pageSize, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Filter(db.AuditEntries.AsNoTracking(), search);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.Skip(page * pageSize).Take(pageSize).ToListAsync(cancellationToken);
        return (items, total);
    }

    public async Task<AuditFacets> FacetsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var entries = db.AuditEntries.AsNoTracking();
        return new AuditFacets(
            await entries.Select(a => a.Actor).Distinct().OrderBy(a => a).Take(500).ToListAsync(cancellationToken),
            await entries.Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync(cancellationToken),
            await entries.Select(a => a.TargetType).Distinct().OrderBy(a => a).ToListAsync(cancellationToken));
    }

    /// <summary>Every matching entry, newest first, capped so an export cannot exhaust memory.</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditSearch search, int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await foreach (var entry in Filter(db.AuditEntries.AsNoTracking(), search).Take(max).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return entry;
        }
    }
}

/// <summary>/export/audit.csv (Admin): the Audit page's filtered view as CSV, with the audit/ route's parameter names.</summary>
public static class AuditExport
{
    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder app)
    {
        app.MapGet("/export/audit.csv", (HttpContext context, AuditQueries queries, TimeProvider time, CancellationToken cancellationToken) =>
            CsvDownload.WriteAsync(
                context, "audit", time.GetUtcNow(), "id,at,actor,actor_type,action,target_type,target_id,before,after,ip",
                queries.StreamAsync(AuditSearch.FromQuery(context.Request.Query.ToDictionary(q => q.Key, q => (string?)q.Value.ToString())), AuditQueries.MaxExportRows, cancellationToken),
                a => [
                    a.Id.ToString(), CsvDownload.Time(a.At), CsvDownload.Text(a.Actor), WireFormat.Of(a.ActorKind), CsvDownload.Text(a.Action),
                    CsvDownload.Text(a.TargetType), CsvDownload.Text(a.TargetId), CsvDownload.Text(a.Before), CsvDownload.Text(a.After), CsvDownload.Text(a.Ip),
                ]))
            .RequireAuthorization(OpsPolicies.Admin).ExcludeFromDescription();
        return app;
    }
}
