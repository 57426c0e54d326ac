using Microsoft.AspNetCore.Http.HttpResults;
using System.Globalization;
using System.Linq.Expressions;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;

namespace OpsConsole.Api;

/// <summary>
/// The list envelope of the original (<c>count</c>, <c>next</c>, <c>previous</c>, <c>results</c>). <c>count</c> is exact up
/// to <see cref="ListQuery.ExactCountLimit"/> matching rows; past that it is that limit and <c>count_is_lower_bound</c> is
/// true (counting half a million rows for every page would cost more than the page). <c>next</c> is always exact.
/// </summary>
public sealed record Page<T>(
    int Count,
    string? Next,
    string? Previous,
    IReadOnlyList<T> Results,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    bool CountIsLowerBound = false);

/// <summary>
/// Reads the query string of a list route (filters, search, ordering, paging) and collects what is wrong with it,
/// so a bad filter gets a 400 naming the parameter instead of being ignored or crashing. Where the original's clients rely
/// on DRF's leniency it is kept, and said: a page_size over 100 is 100, an unknown ordering key is ignored (the
/// <see cref="IgnoredHeader"/> response header names it), and a page past the end is DRF's 404 "Invalid page.".
/// </summary>
public sealed partial class ListQuery
{
    public const int DefaultPageSize = 20;

    /// <summary>Up to this many matching rows a list's <c>count</c> is exact; past it, a lower bound (see <see cref="Page{T}"/>).</summary>
    public const int ExactCountLimit = 10_000;
    public const int MaxPageSize = 100;

    /// <summary>The response header that names what a list request sent and DRF would ignore (e.g. <c>ordering=height</c>).</summary>
    public const string IgnoredHeader = "X-OpsConsole-Ignored";

    /// <summary>DRF's answer to a page past the end, word for word: the original's clients compare it.</summary>
    public const string InvalidPage = "Invalid page.";

    private readonly Dictionary<string, List<string>> errors = [];

    public ListQuery(HttpRequest request)
    {
        Request = request;
        // Read up front so a bad page or page_size is reported with the other parameters, never silently replaced.
        PageNumber = PositiveInt("page", 1, int.MaxValue / MaxPageSize) ?? 1;
        // DRF caps a larger page_size at its maximum, and the original's clients ask for page_size=500 expecting 100.
        PageSize = Math.Min(PositiveInt("page_size", 1, int.MaxValue) ?? DefaultPageSize, MaxPageSize);
    }

    public HttpRequest Request { get; }

    public bool IsValid => errors.Count == 0;

    public ValidationProblem Problem() => Problems.Validation(errors);

    public void Error(string parameter, string message)
    {
        if (!errors.TryGetValue(parameter, out var list))
        {
            errors[parameter] = list = [];
        }

        list.Add(message);
    }

    public string? Text(string name, int max = 200)
    {
        var value = Request.Query[name].ToString();
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (value.Length > max)
        {
            Error(name, $"{name} may be at most {max} characters");
            return null;
        }

        return value.Trim();
    }

    public int PageNumber { get; }

    public int PageSize { get; }

    public int? PositiveInt(string name, int min, int max)
    {
        var text = Text(name, 12);
        if (text is null)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(name, $"{name} must be a whole number from {min} to {max}");
        return null;
    }

    public double? Number(string name)
    {
        var text = Text(name, 32);
        if (text is null)
        {
            return null;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Error(name, $"{name} must be a number");
        return null;
    }

    public bool? Bool(string name)
    {
        var text = Text(name, 8);
        if (text is null)
        {
            return null;
        }

        switch (text.ToLowerInvariant())
        {
            case "true" or "1" or "yes": return true;
            case "false" or "0" or "no": return false;
            default:
                Error(name, $"{name} must be true or false");
                return null;
        }
    }

    public DateTime? Time(string name)
    {
        var text = Text(name, 64);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            return at.UtcDateTime;
        }

        Error(name, $"{name} must be an ISO-8601 timestamp such as 2026-01-31T17:00:00Z");
        return null;
    }

    public Guid? Id(string name)
    {
        var text = Text(name, 64);
        if (text is null)
        {
            return null;
        }

        if (Guid.TryParse(text, out var id))
        {
            return id;
        }

        Error(name, $"{name} must be a UUID");
        return null;
    }

    /// <summary>Values of <c>name</c> and <c>name__in</c> (comma separated) parsed as the enum's wire values.</summary>
    public List<TEnum>? Enums<TEnum>(string name)
        where TEnum : struct, Enum
    {
        var raw = new List<string>();
        if (Text(name, 100) is { } single)
        {
            raw.Add(single);
        }

        if (Text(name + "__in", 1000) is { } many)
        {
            raw.AddRange(many.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        if (raw.Count == 0)
        {
            return null;
        }

        var result = new List<TEnum>();
        foreach (var text in raw)
        {
            if (WireFormat.TryParse<TEnum>(text, out var value))
            {
                result.Add(value);
            }
            else
            {
                Error(name, $"'{text}' is not a valid {name}; allowed: {WireFormat.Allowed<TEnum>()}");
            }
        }

        return result;
    }

    public List<string>? Strings(string name)
    {
        var raw = new List<string>();
        if (Text(name, 100) is { } single)
        {
            raw.Add(single);
        }

        if (Text(name + "__in", 1000) is { } many)
        {
            raw.AddRange(many.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        return raw.Count == 0 ? null : raw;
    }

    /// <summary>Applies <c>ordering=a,-b</c> from the allowed keys, else the default ordering.</summary>
    public IQueryable<T> Order<T>(IQueryable<T> query, IReadOnlyDictionary<string, Expression<Func<T, object?>>> allowed, string defaultOrdering)
    {
        IOrderedQueryable<T>? ordered = null;
        foreach (var (key, descending) in Ordering(allowed.Keys, defaultOrdering))
        {
            var selector = allowed[key];
            ordered = ordered is null
                ? (descending ? query.OrderByDescending(selector) : query.OrderBy(selector))
                : (descending ? ordered.ThenByDescending(selector) : ordered.ThenBy(selector));
        }

        return ordered ?? query;
    }

    /// <summary>The same ordering for a list already in memory (agents, bug reports: computed fields live there).</summary>
    public IEnumerable<T> Order<T>(IEnumerable<T> items, IReadOnlyDictionary<string, Func<T, IComparable>> allowed, string defaultOrdering)
    {
        IOrderedEnumerable<T>? ordered = null;
        foreach (var (key, descending) in Ordering(allowed.Keys, defaultOrdering))
        {
            var selector = allowed[key];
            ordered = ordered is null
                ? (descending ? items.OrderByDescending(selector) : items.OrderBy(selector))
                : (descending ? ordered.ThenByDescending(selector) : ordered.ThenBy(selector));
        }

        return ordered ?? items;
    }

    /// <summary>
    /// The keys of <c>ordering=a,-b</c> that are in <paramref name="allowed"/>, in turn, with whether each is descending. As DRF
    /// does, an unknown key is left out (and named in the <see cref="IgnoredHeader"/> header); with no known key left, the default.
    /// </summary>
    public IReadOnlyList<(string Key, bool Descending)> Ordering(IEnumerable<string> allowed, string defaultOrdering)
    {
        var known = allowed.ToHashSet(StringComparer.Ordinal);
        var terms = new List<(string, bool)>();
        var ignored = new List<string>();
        foreach (var part in (Text("ordering", 200) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var key = part.TrimStart('-', '+');
            if (known.Contains(key))
            {
                terms.Add((key, part.StartsWith('-')));
            }
            else
            {
                ignored.Add(part);
            }
        }

        if (ignored.Count > 0)
        {
            Ignore("ordering", string.Join(',', ignored));
        }

        return terms.Count > 0 ? terms : Terms(defaultOrdering);
    }

    private static List<(string, bool)> Terms(string ordering) =>
        [.. ordering.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => (p.TrimStart('-', '+'), p.StartsWith('-')))];

    /// <summary>Says in the <see cref="IgnoredHeader"/> response header that a parameter's value was ignored.</summary>
    private void Ignore(string parameter, string value) =>
        Request.HttpContext.Response.Headers.Append(IgnoredHeader, $"{parameter}={Uri.EscapeDataString(value).Replace("%2C", ",", StringComparison.Ordinal)}");
}
