using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Api;

/// <summary>
/// Seek (keyset) paging over an ordered EF query. The order's keys, closed by the primary key so that no two rows tie, give
/// every row a position; a page is read as "the next n rows after this position" in one index seek per key level
/// (<c>k1 = a AND k2 = b AND id &gt; c</c>, then <c>k1 = a AND k2 &lt; b</c>, then <c>k1 &lt; a</c>, each
/// <c>ORDER BY … LIMIT n</c>), stopping as soon as the page is full. Each level is an equality prefix and one range, the shape
/// an index on the keys answers without reading what lies before the position, whatever the directions of the keys; one
/// predicate with ORs would make SQLite walk every row of the position's group first. Enum and boolean keys are compared by
/// listing the values that follow (<c>Status IN ('Pending', 'Review')</c>), the only comparison that holds for enums stored
/// as text; NULLs are placed where the provider sorts them (first ascending on SQLite, last on PostgreSQL).
/// </summary>
public sealed class Keyset<T>
    where T : class
{
    private readonly IReadOnlyList<SeekKey> keys;
    private readonly ParameterExpression row;
    private readonly bool nullsLow;

    private Keyset(IQueryable<T> unordered, IReadOnlyList<SeekKey> keys, ParameterExpression row, bool nullsLow)
    {
        Unordered = unordered;
        this.keys = keys;
        this.row = row;
        this.nullsLow = nullsLow;
        Ordering = string.Join(',', keys.Select(k => (k.Descending ? "-" : "") + k.Member.Member.Name));
        KeyTypes = [.. keys.Select(k => k.Type)];
    }

    /// <summary>The query without its order (for counting).</summary>
    public IQueryable<T> Unordered { get; }

    /// <summary>The order as a cursor names it, e.g. <c>-Priority,-CreatedOn,-Id</c>.</summary>
    public string Ordering { get; }

    public IReadOnlyList<Type> KeyTypes { get; }

    /// <summary>
    /// The keyset of <paramref name="query"/>'s order (its last OrderBy … ThenBy chain), closed by the primary key in the
    /// direction of the last key when the order does not end with it; null when a key is not a plain property of a type
    /// the seek can compare (the list then pages by number only).
    /// </summary>
    public static Keyset<T>? For(DbContext db, IQueryable<T> query)
    {
        var entity = db.Model.FindEntityType(typeof(T));
        var primaryKey = entity?.FindPrimaryKey()?.Properties is [var pk] ? pk : null;
        var terms = SeekKeys.OrderingOf(query.Expression);
        if (entity is null || primaryKey?.PropertyInfo is null || terms.Count == 0)
        {
            return null;
        }

        var row = Expression.Parameter(typeof(T), "row");
        var keys = new List<SeekKey>();
        foreach (var (selector, descending) in terms)
        {
            if (SeekKeys.Key(selector, descending, row, entity) is not { } key)
            {
                return null;
            }

            keys.Add(key);
            if (key.Member.Member == primaryKey.PropertyInfo)
            {
                break; // unique from here on: later keys never decide
            }
        }

        if (keys[^1].Member.Member != primaryKey.PropertyInfo)
        {
            var id = Expression.Lambda(Expression.Property(row, primaryKey.PropertyInfo), row);
            if (SeekKeys.Key(id, keys[^1].Descending, row, entity) is not { } tieBreak)
            {
                return null;
            }

            keys.Add(tieBreak);
        }

        var unordered = query.Provider.CreateQuery<T>(new OrderingRemover().Visit(query.Expression));
        return new Keyset<T>(unordered, keys, row, nullsLow: !db.Database.IsNpgsql());
    }

    /// <summary>The values of the keys in <paramref name="item"/>: its position.</summary>
    public object?[] PositionOf(T item) => [.. keys.Select(k => k.Read(item))];

    /// <summary><paramref name="source"/> in this order, or in the opposite one.</summary>
    public IQueryable<T> Order(IQueryable<T> source, bool reverse = false)
    {
        var expression = source.Expression;
        for (var i = 0; i < keys.Count; i++)
        {
            var descending = keys[i].Descending != reverse;
            var method = (i == 0, descending) switch
            {
                (true, false) => nameof(Queryable.OrderBy),
                (true, true) => nameof(Queryable.OrderByDescending),
                (false, false) => nameof(Queryable.ThenBy),
                _ => nameof(Queryable.ThenByDescending),
            };
            expression = Expression.Call(typeof(Queryable), method, [typeof(T), keys[i].Selector.ReturnType], expression, Expression.Quote(keys[i].Selector));
        }

        return source.Provider.CreateQuery<T>(expression);
    }

    /// <summary>
    /// Up to <paramref name="count"/> rows of <paramref name="source"/> past <paramref name="position"/> (not including it;
    /// null: from the start) in this order, or before it nearest first when <paramref name="reverse"/>.
    /// </summary>
    public async Task<List<T>> ReadAsync(IQueryable<T> source, IReadOnlyList<object?>? position, bool reverse, int count, CancellationToken cancellationToken)
    {
        if (position is null)
        {
            return await Order(source, reverse).Take(count).ToListAsync(cancellationToken);
        }

        var rows = new List<T>(count);
        for (var level = keys.Count - 1; level >= 0 && rows.Count < count; level--)
        {
            foreach (var predicate in Level(position, level, reverse))
            {
                rows.AddRange(await Order(source.Where(predicate), reverse).Take(count - rows.Count).ToListAsync(cancellationToken));
                if (rows.Count == count)
                {
                    break;
                }
            }
        }

        return rows;
    }

    /// <summary>Whether <paramref name="source"/> has a row past <paramref name="position"/> (before it when <paramref name="reverse"/>).</summary>
    public async Task<bool> AnyPastAsync(IQueryable<T> source, IReadOnlyList<object?> position, bool reverse, CancellationToken cancellationToken)
    {
        for (var level = keys.Count - 1; level >= 0; level--)
        {
            foreach (var predicate in Level(position, level, reverse))
            {
                if (await source.AnyAsync(predicate, cancellationToken))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Compares two positions the way the database orders them (for merging rows read from several parts of a list), or null
    /// when it cannot promise to: text keys on PostgreSQL follow the database's collation, which .NET does not know.
    /// </summary>
    public Comparison<T>? Comparison(bool reverse)
    {
        if (!nullsLow && keys.Any(k => k.Domain is null && k.Type == typeof(string)))
        {
            return null;
        }

        return (a, b) =>
        {
            foreach (var key in keys)
            {
                var order = CompareValues(key, key.Read(a), key.Read(b));
                if (order != 0)
                {
                    return key.Descending != reverse ? -order : order;
                }
            }

            return 0;
        };
    }

    private int CompareValues(SeekKey key, object? a, object? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null ? 0 : (a is null) == nullsLow ? -1 : 1;
        }

        return (key.Domain, a) switch
        {
            ({ } domain, _) => IndexOf(domain, a).CompareTo(IndexOf(domain, b)),
            // SQLite keeps UUIDs as upper-case text and PostgreSQL as bytes: both order as the hexadecimal text does.
            (_, Guid x) => string.CompareOrdinal(x.ToString("D").ToUpperInvariant(), ((Guid)b).ToString("D").ToUpperInvariant()),
            (_, string x) => string.CompareOrdinal(x, (string)b),
            _ => Comparer<object>.Default.Compare(a, b),
        };
    }

    /// <summary>
    /// The rows of one level past <paramref name="position"/>, to read in turn: the keys before <paramref name="level"/> equal
    /// to the position's, the key at it strictly past (none when no row can be there). An enum stored as text is read one
    /// value at a time on PostgreSQL, each an ordered seek, where an OR of its values would walk the index from its far end.
    /// </summary>
    private IEnumerable<Expression<Func<T, bool>>> Level(IReadOnlyList<object?> position, int level, bool reverse)
    {
        var key = keys[level];
        IEnumerable<Expression> pasts = key.Domain is { } domain && !key.StoredAsNumber && !nullsLow && position[level] is { } value
            ? EachPast(key, domain, value, reverse)
            : Past(key, position[level], reverse) is { } one ? [one] : [];
        foreach (var past in pasts)
        {
            var body = past;
            for (var i = level - 1; i >= 0; i--)
            {
                body = Expression.AndAlso(Same(keys[i], position[i]), body);
            }

            yield return Expression.Lambda<Func<T, bool>>(body, row);
        }
    }

    /// <summary>The values of a domain key past <paramref name="value"/> going this way, one equality each, NULL last if it sorts there.</summary>
    private IEnumerable<Expression> EachPast(SeekKey key, IReadOnlyList<object> domain, object value, bool reverse)
    {
        var ascending = key.Descending == reverse;
        var at = IndexOf(domain, value);
        foreach (var later in ascending ? domain.Skip(at + 1) : domain.Take(at).Reverse())
        {
            yield return Expression.Equal(key.Member, Expression.Constant(later, key.Type));
        }

        if (key.Nullable && ascending != nullsLow)
        {
            yield return Expression.Equal(key.Member, Expression.Constant(null, key.Type));
        }
    }

    private static Expression Same(SeekKey key, object? value) =>
        value is null ? Expression.Equal(key.Member, Expression.Constant(null, key.Type))
        : Expression.Equal(key.Member, key.Domain is null ? Parameter(value, key.Type) : Expression.Constant(value, key.Type));

    /// <summary>The values of <paramref name="key"/> that come after <paramref name="value"/> going this way; null for none.</summary>
    private Expression? Past(SeekKey key, object? value, bool reverse)
    {
        var ascending = key.Descending == reverse;
        var nullsFirst = ascending == nullsLow;
        if (value is null)
        {
            return nullsFirst ? Expression.NotEqual(key.Member, Expression.Constant(null, key.Type)) : null;
        }

        Expression? past;
        if (key.StoredAsNumber)
        {
            // (int)Priority < 3: a range, which PostgreSQL seeks in order where it would filter an IN list.
            var number = System.Nullable.GetUnderlyingType(key.Type) is { } underlying
                ? typeof(Nullable<>).MakeGenericType(Enum.GetUnderlyingType(underlying))
                : Enum.GetUnderlyingType(key.Type);
            var stored = Expression.Convert(key.Member, number);
            var bound = Expression.Constant(Convert.ChangeType(value, System.Nullable.GetUnderlyingType(number) ?? number, System.Globalization.CultureInfo.InvariantCulture), number);
            past = ascending ? Expression.GreaterThan(stored, bound) : Expression.LessThan(stored, bound);
        }
        else if (key.Domain is { } domain)
        {
            var at = IndexOf(domain, value);
            past = (ascending ? domain.Skip(at + 1) : domain.Take(at).Reverse())
                .Select(v => (Expression)Expression.Equal(key.Member, Expression.Constant(v, key.Type)))
                .Aggregate((Expression?)null, (all, one) => all is null ? one : Expression.OrElse(all, one));
        }
        else
        {
            past = Compare(key, value, ascending);
        }

        if (!key.Nullable || nullsFirst)
        {
            return past;
        }

        var isNull = Expression.Equal(key.Member, Expression.Constant(null, key.Type));
        return past is null ? isNull : Expression.OrElse(past, isNull);
    }

    private static Expression Compare(SeekKey key, object value, bool greater)
    {
        var parameter = Parameter(value, key.Type);
        Expression left = key.Member, right = parameter;
        if (key.Type == typeof(string))
        {
            left = Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, key.Member, parameter);
            right = Expression.Constant(0);
        }
        else if (key.Type == typeof(Guid))
        {
            left = Expression.Call(key.Member, typeof(Guid).GetMethod(nameof(Guid.CompareTo), [typeof(Guid)])!, parameter);
            right = Expression.Constant(0);
        }

        return greater ? Expression.GreaterThan(left, right) : Expression.LessThan(left, right);
    }

    /// <summary>A value EF sends as a query parameter (a closure's field), so every page reuses one compiled query.</summary>
    private static Expression Parameter(object value, Type type)
    {
        var box = Activator.CreateInstance(typeof(StrongBox<>).MakeGenericType(type), value)!;
        return Expression.Field(Expression.Constant(box), nameof(StrongBox<int>.Value));
    }

    private static int IndexOf(IReadOnlyList<object> domain, object value)
    {
        for (var i = 0; i < domain.Count; i++)
        {
            if (domain[i].Equals(value))
            {
                return i;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, "not a value of this key");
    }
}
