using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>
/// Removes secrets from text that arrives from outside (deployment logs, webhooks, failure reports, bug reports) before
/// anything is stored: access tokens, cloud keys, private keys, passwords in URLs and in key=value pairs, bearer and basic
/// credentials, connection-string passwords. Better to mask a harmless word than to keep a credential.
/// </summary>
public static partial class Redactor
{
    public const string Mask = "[REDACTED]";

    private const string SensitiveKey = @"[\w.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|accountkey|sharedaccesskey|sharedaccesssignature|session[_-]?id|cookie)[\w-]*";

    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|op[sa]_[A-Za-z0-9_-]{32,}|npm_[A-Za-z0-9]{36})", RegexOptions.CultureInvariant)]
    private static partial Regex KnownTokens();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKeyId();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex JsonWebToken();

    [GeneratedRegex(@"\b(?<key>(?:proxy-)?authorization|x-api-key|x-auth-token|x-access-token)(?<sep>[""']?\s*[:=]\s*[""']?)(?:(?<scheme>bearer|basic|token|digest|negotiate)\s+)?(?!\[REDACTED)(?<value>[^\s""',;]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\b(?<scheme>bearer|basic)\s+(?!\[REDACTED)[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SchemeCredentials();

    [GeneratedRegex(@"\b(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^\s:/?#@""'<>]+):(?<password>[^\s@/?#""'<>]+)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"(?<key>\b" + SensitiveKey + @")(?<q1>[""']?)(?<sep>\s*[:=]\s*)(?:(?<q>[""'])(?!\[REDACTED)(?<value>[^""'\r\n]*)\k<q>|(?!\[REDACTED)(?<value>[^\s,;&""'}\]<>]+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    [GeneratedRegex("^" + SensitiveKey + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SensitiveName();

    /// <summary>The text with every secret it contains replaced by <see cref="Mask"/>; null stays null.</summary>
    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var result = PrivateKey().Replace(text, "[REDACTED PRIVATE KEY]");
        result = AuthorizationHeader().Replace(result, m =>
            m.Groups["key"].Value + m.Groups["sep"].Value + (m.Groups["scheme"].Success ? m.Groups["scheme"].Value + " " : "") + Mask);
        result = SchemeCredentials().Replace(result, m => m.Groups["scheme"].Value + " " + Mask);
        result = UrlCredentials().Replace(result, m => $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Mask}@");
        result = KnownTokens().Replace(result, Mask);
        result = AwsAccessKeyId().Replace(result, Mask);
        result = JsonWebToken().Replace(result, Mask);
        result = KeyValue().Replace(result, m =>
            m.Groups["key"].Value + m.Groups["q1"].Value + m.Groups["sep"].Value
            + (m.Groups["q"].Success ? m.Groups["q"].Value + Mask + m.Groups["q"].Value : Mask));
        return result;
    }

    /// <summary>
    /// JSON text with its secrets redacted (<see cref="Redact(JsonNode?)"/>); the text itself when nothing was masked, and
    /// text that is not JSON redacted as text.
    /// </summary>
    public static string? RedactJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return json;
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return Redact(json);
        }

        if (node is null)
        {
            return json;
        }

        var redacted = Redact(node)!.ToJsonString();
        return redacted == node.ToJsonString() ? json : redacted;
    }

    /// <summary>Whether a field name says it holds a secret (password, api_key, client_secret…).</summary>
    public static bool IsSensitiveName(string name) => SensitiveName().IsMatch(name);

    /// <summary>A copy of a JSON value with its strings redacted and the values of secret-named fields masked.</summary>
    public static JsonNode? Redact(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => RedactObject(obj),
        JsonArray array => new JsonArray(array.Select(Redact).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Redact(text)),
        _ => node.DeepClone(),
    };

    private static JsonObject RedactObject(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            copy[name] = value is JsonValue && IsSensitiveName(name) ? JsonValue.Create(Mask) : Redact(value);
        }

        return copy;
    }
}
