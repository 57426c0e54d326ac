using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Api;

/// <summary>Where a link from a page leads: a cursor, or (no cursor) the first page; with that page's number when known.</summary>
public sealed record PageLink(PageCursor? Cursor, int? Number);

/// <summary>One page of a list read by <see cref="SeekPaging"/>: its rows in order, its number when known, and its neighbours.</summary>
public sealed record SeekPage<T>(IReadOnlyList<T> Rows, int? Number, PageLink? Previous, PageLink? Next);

/// <summary>
/// Reads pages by position (<see cref="Keyset{T}"/>) for the API's lists and the console: the first page, a page by number
/// (OFFSET, for clients that jump), the rows after or before a cursor, and the last page. A page read from a cursor never
/// skips rows, however deep; its <c>next</c> and <c>previous</c> are exact (a row exists on that side) and lead by cursor.
/// </summary>
public static class SeekPaging
{
    /// <summary>
    /// The page <paramref name="cursor"/> points at, or without one page <paramref name="number"/> (1: the first).
    /// <paramref name="parts"/>, when given, split the list into disjoint parts that are each read in order and merged (a
    /// status filter of several values: one index seek per status instead of sorting every matching row).
    /// <paramref name="exactCount"/>, the list's length when it was counted whole, makes the last page the numbered one
    /// (its remainder of rows); without it the last page is the last <paramref name="size"/> rows, unnumbered.
    /// </summary>
    public static async Task<SeekPage<T>> ReadAsync<T>(
        Keyset<T> keyset, PageCursor? cursor, int number, int size, IReadOnlyList<Expression<Func<T, bool>>>? parts, int? exactCount,
        CancellationToken cancellationToken)
        where T : class
    {
        var reader = new Reader<T>(keyset, parts);
        switch (cursor?.Direction)
        {
            case null:
                {
                    var rows = number == 1
                        ? await reader.ReadAsync(null, reverse: false, size + 1, cancellationToken)
                        : await keyset.Order(keyset.Unordered).Skip((number - 1) * size).Take(size + 1).ToListAsync(cancellationToken);
                    return Forward(keyset, rows, size, number, hasBefore: number > 1);
                }

            case SeekDirection.After:
                {
                    var rows = await reader.ReadAsync(cursor.Position, reverse: false, size + 1, cancellationToken);
                    var hasBefore = rows.Count == 0 || await reader.AnyPastAsync(keyset.PositionOf(rows[0]), reverse: true, cancellationToken);
                    return Forward(keyset, rows, size, hasBefore ? cursor.Number : 1, hasBefore);
                }

            case SeekDirection.Before:
                {
                    var rows = await reader.ReadAsync(cursor.Position, reverse: true, size + 1, cancellationToken);
                    var hasBefore = rows.Count > size;
                    rows = [.. rows.Take(size).Reverse()];
                    int? pageNumber = !hasBefore ? 1 : cursor.Number is { } n ? Math.Max(2, n) : null;
                    var next = rows.Count == 0
                        ? new PageLink(null, 1) // nothing before the position: what follows is the list from its start
                        : await reader.AnyPastAsync(keyset.PositionOf(rows[^1]), reverse: false, cancellationToken)
                            ? After(keyset, rows[^1], pageNumber + 1)
                            : null;
                    return new SeekPage<T>(rows, pageNumber, hasBefore ? Before(keyset, rows[0], pageNumber - 1) : null, next);
                }

            default:
                {
                    var take = exactCount is > 0 and var total ? ((total - 1) % size) + 1 : size;
                    var rows = await reader.ReadAsync(null, reverse: true, take + 1, cancellationToken);
                    var hasBefore = rows.Count > take;
                    rows = [.. rows.Take(take).Reverse()];
                    var pageNumber = !hasBefore ? 1 : exactCount is { } count ? (count + size - 1) / size : cursor!.Number;
                    return new SeekPage<T>(rows, pageNumber, hasBefore ? Before(keyset, rows[0], pageNumber - 1) : null, null);
                }
        }
    }

    /// <summary>A cursor to the list's last page (its number when the caller knows it).</summary>
    public static PageCursor End<T>(Keyset<T> keyset, int? number)
        where T : class => new(SeekDirection.End, [], number, keyset.Ordering);

    private static SeekPage<T> Forward<T>(Keyset<T> keyset, List<T> rows, int size, int? number, bool hasBefore)
        where T : class
    {
        var hasAfter = rows.Count > size;
        if (hasAfter)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var previous = !hasBefore ? null
            : rows.Count > 0 ? Before(keyset, rows[0], number - 1)
            : new PageLink(End(keyset, null), null); // an empty page past the end: the page before it is the last one
        return new SeekPage<T>(rows, number, previous, hasAfter ? After(keyset, rows[^1], number + 1) : null);
    }

    private static PageLink After<T>(Keyset<T> keyset, T row, int? number)
        where T : class => new(new PageCursor(SeekDirection.After, keyset.PositionOf(row), number, keyset.Ordering), number);

    private static PageLink Before<T>(Keyset<T> keyset, T row, int? number)
        where T : class
    {
        number = number is { } n ? Math.Max(1, n) : null;
        return new(new PageCursor(SeekDirection.Before, keyset.PositionOf(row), number, keyset.Ordering), number);
    }

    /// <summary>Reads the list whole, or part by part merging the parts in the list's order.</summary>
    private sealed class Reader<T>(Keyset<T> keyset, IReadOnlyList<Expression<Func<T, bool>>>? parts)
        where T : class
    {
        private readonly IReadOnlyList<IQueryable<T>> sources = parts is { Count: > 1 } && keyset.Comparison(false) is not null
            ? [.. parts.Select(p => keyset.Unordered.Where(p))]
            : [keyset.Unordered];

        public async Task<List<T>> ReadAsync(IReadOnlyList<object?>? position, bool reverse, int count, CancellationToken cancellationToken)
        {
            if (sources.Count == 1)
            {
                return await keyset.ReadAsync(sources[0], position, reverse, count, cancellationToken);
            }

            var rows = new List<T>();
            foreach (var source in sources)
            {
                rows.AddRange(await keyset.ReadAsync(source, position, reverse, count, cancellationToken));
            }

            rows.Sort(keyset.Comparison(reverse)!);
            return rows.Count > count ? rows.GetRange(0, count) : rows;
        }

        public async Task<bool> AnyPastAsync(IReadOnlyList<object?> position, bool reverse, CancellationToken cancellationToken)
        {
            foreach (var source in sources)
            {
                if (await keyset.AnyPastAsync(source, position, reverse, cancellationToken))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
