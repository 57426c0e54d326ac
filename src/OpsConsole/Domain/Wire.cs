using System.Text;

namespace OpsConsole.Domain;

/// <summary>The wire spelling of enum values (snake_case, as the original's stored values).</summary>
public static class WireFormat
{
    /// <summary>The value's wire name, spelled once per value and kept (lists map thousands of statuses and kinds).</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Names<TEnum>.Spelled.TryGetValue(value, out var name) ? name : SnakeCase(value.ToString());

    public static string Wire(this WorkItemStatus status) => Of(status);

    public static string Wire(this WorkItemPriority priority) => Of(priority);

    public static string Wire(this WorkItemKind kind) => Of(kind);

    public static string Wire(this AgentStatus status) => Of(status);

    public static string Wire(this AgentKind kind) => Of(kind);

    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Of(candidate), text.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }

        return false;
    }

    public static string Allowed<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(v => Of(v)));

    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static class Names<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> Spelled = Enum.GetValues<TEnum>().Distinct().ToDictionary(v => v, v => SnakeCase(v.ToString()));
    }
}
