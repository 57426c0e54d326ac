using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>Environment names as failures and agents carry them: lower case, with the usual short forms spelled out.</summary>
public static partial class EnvironmentNames
{
    public const string Production = "production";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$", RegexOptions.CultureInvariant)]
    private static partial Regex Name();

    [GeneratedRegex(@"[^a-z0-9_.-]+", RegexOptions.CultureInvariant)]
    private static partial Regex NotAllowed();

    public static bool IsValid(string? name) => name is not null && Name().IsMatch(name);

    /// <summary>prod → production, stage/stg → staging, dev → development; anything else as a lower-case slug; none → <paramref name="fallback"/>.</summary>
    public static string Normalize(string? name, string fallback = Production)
    {
        // Names from elsewhere ("Production – EU" from GitHub) become slugs ("production-eu").
        var slug = NotAllowed().Replace((name ?? "").Trim().ToLowerInvariant(), "-").Trim('-', '.', '_');
        if (slug.Length > 50)
        {
            slug = slug[..50].TrimEnd('-', '.', '_');
        }

        if (slug.Length == 0)
        {
            return string.IsNullOrWhiteSpace(fallback) ? Production : Normalize(fallback);
        }

        return slug switch
        {
            "prod" or "prd" or "live" => Production,
            "stage" or "stg" => "staging",
            "dev" => "development",
            var other => other,
        };
    }

    public static bool IsProduction(string? name) => string.Equals(name, Production, StringComparison.OrdinalIgnoreCase);
}
