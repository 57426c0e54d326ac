using System.Globalization;
using System.Linq.Expressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// A list's pages: read from the database by position (<see cref="Keyset{T}"/>) with cursor links, or cut from a list already
/// in memory (small collections such as agents) with page-number links.
/// </summary>
public sealed partial class ListQuery
{
    /// <summary>
    /// One page of <paramref name="query"/> (ordered with OrderBy … ThenBy) in the list envelope. Without <c>cursor</c> it is page
    /// <c>page</c> (the first by default; a deeper one skips rows, as the original's clients expect when they jump); with it, the
    /// rows the cursor points at, found by an index seek however deep. <c>next</c> and <c>previous</c> carry a cursor and the
    /// neighbouring page's <c>page</c> number, so a client that follows them never pays for skipped rows, sees every row that
    /// existed exactly once while rows are added or removed, and a client that reads <c>page</c> from them still finds it.
    /// </summary>
    public Task<Page<TOut>> PageAsync<T, TOut>(DbContext db, IQueryable<T> query, Func<T, TOut> map, CancellationToken cancellationToken)
        where T : class =>
        PageAsync(db, query, map, parts: null, counting: null, cancellationToken);

    /// <summary>
    /// As <see cref="PageAsync{T, TOut}(DbContext, IQueryable{T}, Func{T, TOut}, CancellationToken)"/>, reading the list as the
    /// disjoint <paramref name="parts"/> merged in order (see <see cref="SeekPaging.ReadAsync{T}"/>), and counting the same rows
    /// through <paramref name="counting"/> when that query counts them faster (null: through <paramref name="query"/>).
    /// </summary>
    public async Task<Page<TOut>> PageAsync<T, TOut>(
        DbContext db, IQueryable<T> query, Func<T, TOut> map, IReadOnlyList<Expression<Func<T, bool>>>? parts, IQueryable<T>? counting,
        CancellationToken cancellationToken)
        where T : class
    {
        var keyset = Keyset<T>.For(db, query);
        var cursor = keyset is null ? null : Cursor(keyset);
        var counted = await (counting ?? keyset?.Unordered ?? Unordered(query)).Take(ExactCountLimit + 1).CountAsync(cancellationToken);
        var count = Math.Min(counted, ExactCountLimit);
        if (keyset is null)
        {
            // Keys the seek cannot compare: pages by number only.
            var items = await query.Skip((PageNumber - 1) * PageSize).Take(PageSize + 1).ToListAsync(cancellationToken);
            EnsurePageExists(items.Count, counted);
            return new Page<TOut>(
                count,
                items.Count > PageSize ? Link(new PageLink(null, PageNumber + 1)) : null,
                PageNumber > 1 ? Link(new PageLink(null, PageNumber - 1)) : null,
                [.. items.Take(PageSize).Select(map)],
                counted > ExactCountLimit);
        }

        var page = await SeekPaging.ReadAsync(keyset, cursor, PageNumber, PageSize, parts, counted <= ExactCountLimit ? counted : null, cancellationToken);
        if (cursor is null)
        {
            EnsurePageExists(page.Rows.Count, counted);
        }

        return new Page<TOut>(count, Link(page.Next), Link(page.Previous), [.. page.Rows.Select(map)], counted > ExactCountLimit);
    }

    /// <summary>The request's <c>cursor</c> for this list's order; a 400 naming the parameter when it is not one the list gave out.</summary>
    private PageCursor? Cursor<T>(Keyset<T> keyset)
        where T : class
    {
        var text = Request.Query[PageCursor.Parameter].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (text.Length > PageCursor.MaxLength)
        {
            throw new InvalidParameterException(PageCursor.Parameter, PageCursor.Unreadable);
        }

        return PageCursor.Decode(text.Trim(), keyset.Ordering, keyset.KeyTypes, out var error)
            ?? throw new InvalidParameterException(PageCursor.Parameter, error ?? PageCursor.Unreadable);
    }

    /// <summary><paramref name="query"/> without its ordering: counting needs no order, and a sort under a LIMIT costs one.</summary>
    private static IQueryable<T> Unordered<T>(IQueryable<T> query) =>
        query.Provider.CreateQuery<T>(new OrderingRemover().Visit(query.Expression));

    /// <summary>The same envelope for a list already in memory (small collections such as agents).</summary>
    public Page<T> Paginate<T>(IReadOnlyList<T> all)
    {
        var size = PageSize;
        var number = PageNumber;
        EnsurePageExists(Math.Max(0, all.Count - ((number - 1) * size)), all.Count);
        return new Page<T>(
            all.Count,
            number * size < all.Count ? Link(new PageLink(null, number + 1)) : null,
            number > 1 ? Link(new PageLink(null, number - 1)) : null,
            all.Skip((number - 1) * size).Take(size).ToList());
    }

    /// <summary>A page after the first with nothing on it is DRF's 404 "Invalid page." (the first page of an empty list is an empty page).</summary>
    private void EnsurePageExists(int onPage, int count)
    {
        if (PageNumber > 1 && onPage == 0)
        {
            var exact = count <= ExactCountLimit;
            var pages = Math.Max(1, (Math.Min(count, ExactCountLimit) + PageSize - 1) / PageSize);
            throw new PageNotFoundException(exact
                ? $"page {PageNumber} is past the end of this list: {count} result{(count == 1 ? "" : "s")} make {pages} page{(pages == 1 ? "" : "s")} of {PageSize}"
                : $"page {PageNumber} is past the end of this list of more than {ExactCountLimit} results");
        }
    }

    /// <summary>The request's address with the link's <c>page</c> and <c>cursor</c> (each left out when it has none).</summary>
    private string? Link(PageLink? link)
    {
        if (link is null)
        {
            return null;
        }

        // The request's parameters in their order, with page and cursor set in place (or added after them) or left out.
        var values = new Dictionary<string, string?>
        {
            ["page"] = link.Number?.ToString(CultureInfo.InvariantCulture),
            [PageCursor.Parameter] = link.Cursor?.Encode(),
        };
        var query = Request.Query.Select(q => KeyValuePair.Create(q.Key, values.Remove(q.Key, out var set) ? set : (string?)q.Value.ToString()))
            .Concat(values)
            .Where(q => q.Value is not null)
            .ToList();
        var url = $"{Request.Scheme}://{Request.Host}{Request.PathBase}{Request.Path}";
        return QueryHelpers.AddQueryString(url, query);
    }
}

/// <summary>
/// A list page past the end. Its problem's <c>detail</c> is DRF's "Invalid page." (what the original's clients compare); the
/// <c>reason</c> says which pages exist.
/// </summary>
public sealed class PageNotFoundException(string reason) : RefusedException(RefusalKind.NotFound, ListQuery.InvalidPage)
{
    public string Reason { get; } = reason;
}

/// <summary>A query parameter found invalid once the list was being read (a cursor): a 400 validation problem naming it.</summary>
public sealed class InvalidParameterException(string parameter, string message) : RefusedException(RefusalKind.Invalid, message)
{
    public string Parameter { get; } = parameter;
}
