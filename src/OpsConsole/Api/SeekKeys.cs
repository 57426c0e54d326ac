using System.Linq.Expressions;
using System.Reflection;

namespace OpsConsole.Api;

/// <summary>One key of a list's order: the property it reads and how the database orders its values.</summary>
internal sealed class SeekKey
{
    public required LambdaExpression Selector { get; init; }
    public required MemberExpression Member { get; init; }
    public required bool Descending { get; init; }

    /// <summary>For enums and booleans: every value in the database's ascending order (enums stored as text order by their names).</summary>
    public IReadOnlyList<object>? Domain { get; init; }

    /// <summary>An enum stored as its number (a priority's rank): compared as a range, which an index seeks on either database.</summary>
    public bool StoredAsNumber { get; init; }

    /// <summary>Whether the column can hold NULL (a NOT NULL text column never needs an <c>IS NULL</c> branch).</summary>
    public required bool Nullable { get; init; }

    public Type Type => Member.Type;

    public object? Read(object row) => Member.Member switch
    {
        PropertyInfo p => p.GetValue(row),
        FieldInfo f => f.GetValue(row),
        _ => throw new NotSupportedException(),
    };
}

/// <summary>Reads the keys of a query's order for <see cref="Keyset{T}"/>: which properties, which directions, how they compare.</summary>
internal static class SeekKeys
{
    private static readonly HashSet<Type> Comparable =
    [
        typeof(DateTime), typeof(DateTimeOffset), typeof(Guid), typeof(string), typeof(int), typeof(long), typeof(short),
        typeof(decimal), typeof(double), typeof(float),
    ];

    public static SeekKey? Key(LambdaExpression selector, bool descending, ParameterExpression row, Microsoft.EntityFrameworkCore.Metadata.IEntityType entity)
    {
        var body = selector.Body;
        while (body is UnaryExpression { NodeType: ExpressionType.Convert or ExpressionType.ConvertChecked or ExpressionType.TypeAs } convert)
        {
            body = convert.Operand;
        }

        if (body is not MemberExpression member || member.Expression != selector.Parameters[0])
        {
            return null;
        }

        var type = System.Nullable.GetUnderlyingType(member.Type) ?? member.Type;
        var property = entity.FindProperty(member.Member.Name);
        IReadOnlyList<object>? domain = null;
        var storedAsNumber = false;
        if (type.IsEnum)
        {
            (domain, storedAsNumber) = EnumOrder(type, property);
        }
        else if (type == typeof(bool))
        {
            domain = [false, true];
        }
        else if (!Comparable.Contains(type) || (type == typeof(Guid) && type != member.Type))
        {
            return null;
        }

        return new SeekKey
        {
            Selector = selector,
            Member = Expression.MakeMemberAccess(row, member.Member),
            Descending = descending,
            Domain = domain,
            StoredAsNumber = storedAsNumber,
            Nullable = property?.IsNullable ?? (!member.Type.IsValueType || type != member.Type),
        };
    }

    /// <summary>An enum's values in the order the database sorts them: by the stored text when stored as text, else by number.</summary>
    private static (List<object> Values, bool StoredAsNumber) EnumOrder(Type type, Microsoft.EntityFrameworkCore.Metadata.IProperty? property)
    {
        var converter = property?.GetTypeMapping().Converter;
        var values = Enum.GetValues(type).Cast<object>().Distinct().ToList();
        var stored = values.Select(v => converter?.ConvertToProvider(v) ?? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var order = Enumerable.Range(0, values.Count).ToList();
        order.Sort((a, b) => stored[a] is string x && stored[b] is string y
            ? string.CompareOrdinal(x, y)
            : Convert.ToDecimal(stored[a], System.Globalization.CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(stored[b], System.Globalization.CultureInfo.InvariantCulture)));
        var asNumber = values.Zip(stored).All(v => v.Second is not string
            && Convert.ToInt64(v.First, System.Globalization.CultureInfo.InvariantCulture) == Convert.ToInt64(v.Second, System.Globalization.CultureInfo.InvariantCulture));
        return ([.. order.Select(i => values[i])], asNumber);
    }

    /// <summary>The outermost OrderBy … ThenBy chain of a query, first key first.</summary>
    public static List<(LambdaExpression Selector, bool Descending)> OrderingOf(Expression expression)
    {
        var terms = new List<(LambdaExpression, bool)>();
        while (expression is MethodCallExpression call && call.Arguments.Count > 0)
        {
            if (call.Method.DeclaringType == typeof(Queryable) && call.Method.Name is nameof(Queryable.OrderBy) or nameof(Queryable.OrderByDescending)
                or nameof(Queryable.ThenBy) or nameof(Queryable.ThenByDescending))
            {
                var selector = (LambdaExpression)((UnaryExpression)call.Arguments[1]).Operand;
                terms.Insert(0, (selector, call.Method.Name.EndsWith("Descending", StringComparison.Ordinal)));
                if (call.Method.Name.StartsWith("OrderBy", StringComparison.Ordinal))
                {
                    return terms;
                }
            }
            else if (terms.Count > 0)
            {
                return []; // a ThenBy without its OrderBy
            }

            expression = call.Arguments[0];
        }

        return [];
    }
}

/// <summary>Removes every OrderBy/ThenBy from a query: counting needs no order, and a sort under a LIMIT costs one.</summary>
internal sealed class OrderingRemover : ExpressionVisitor
{
    protected override Expression VisitMethodCall(MethodCallExpression node) =>
        node.Method.DeclaringType == typeof(Queryable) && node.Method.Name is nameof(Queryable.OrderBy) or nameof(Queryable.OrderByDescending)
            or nameof(Queryable.ThenBy) or nameof(Queryable.ThenByDescending)
            ? Visit(node.Arguments[0])
            : base.VisitMethodCall(node);
}
