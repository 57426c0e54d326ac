using System.Buffers;
using System.Text;
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

    // Every pattern runs in time linear in the text, whatever the text (it comes from outside and can be made adversarial:
    // "a.a.a.…", "password-password-…"). A backtracking pattern goes quadratic or worse when it may start anywhere inside
    // a run of its characters and every start rescans the rest of the run. So the patterns that read such a run (URL
    // scheme, JWT, secret-named key) start only where the run starts (a one-character negative lookbehind), read it once
    // and commit with atomic groups (?>…) wherever backtracking could not have found another result; they find what the
    // former patterns, tried from every word boundary, found. The other patterns start at a literal (-----BEGIN, ghp_,
    // AKIA, authorization, bearer…), and what they read is either bounded or not read again from another start.

    private const string SensitiveWord = "(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|accountkey|sharedaccesskey|sharedaccesssignature|session[_-]?id|cookie)";

    /// <summary>
    /// A secret-sounding name read to the end of its run of [\w.-]. A name ends with its sensitive word and then only word
    /// characters and '-', so the word has to be in the run's last dot-separated part: the parts before the last '.' are
    /// skipped at once, and the first sensitive word of the last part is taken for good (any of them gives the same name).
    /// </summary>
    private const string SensitiveKeyTail = @"(?>(?:[\w-]*\.)*)(?>[\w-]*?" + SensitiveWord + @"[\w-]*)";

    [GeneratedRegex(@"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|op[sa]_[A-Za-z0-9_-]{32,}|npm_[A-Za-z0-9]{36})", RegexOptions.CultureInvariant)]
    private static partial Regex KnownTokens();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKeyId();

    /// <summary>
    /// header.payload.signature. Tried once per run of [A-Za-z0-9_-], from its first "eyJ" at a word boundary (group keep:
    /// the part of the run before it, kept); a later "eyJ" in the same run could only end at the same '.', with less.
    /// </summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])(?<keep>(?>[A-Za-z0-9_-]*?(?=\beyJ)))eyJ(?>[A-Za-z0-9_-]{8,})\.eyJ(?>[A-Za-z0-9_-]{8,})\.[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex JsonWebToken();

    [GeneratedRegex(@"\b(?<key>(?:proxy-)?authorization|x-api-key|x-auth-token|x-access-token)(?<sep>[""']?\s*[:=]\s*[""']?)(?:(?<scheme>bearer|basic|token|digest|negotiate)\s+)?(?!\[REDACTED)(?<value>[^\s""',;]+)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationHeader();

    [GeneratedRegex(@"\b(?<scheme>bearer|basic)\s+(?!\[REDACTED)[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SchemeCredentials();

    /// <summary>
    /// scheme://user:password@. Tried once per run of scheme characters ([A-Za-z0-9+.-]), which all end at the same "://";
    /// the scheme group holds the whole run (kept as it is), the scheme proper starting at its first letter after a word
    /// boundary.
    /// </summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9+.-])(?<scheme>(?>[A-Za-z0-9+.-]*?\b(?=[A-Za-z]))(?>[A-Za-z0-9+.-]*)://)(?<user>[^\s:/?#@""'<>]+):(?<password>[^\s@/?#""'<>]+)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials();

    /// <summary>
    /// name=value, name: value, "name": "value"… for a secret-sounding name. Tried once per run of [\w.-] (the name is the run
    /// from its first word boundary; group key holds the whole run, kept as it is): only the run's end can be followed by
    /// the separator, so the name has to end there (<see cref="SensitiveKeyTail"/>).
    /// </summary>
    [GeneratedRegex(@"(?<![\w.-])(?<key>(?>[\w.-]*?\b)" + SensitiveKeyTail + @")(?<q1>[""']?)(?<sep>\s*[:=]\s*)(?:(?<q>"")(?!\[REDACTED)(?<value>[^""'\r\n]*)""|(?<q>')(?!\[REDACTED)(?<value>[^""'\r\n]*)'|(?!\[REDACTED)(?<value>[^\s,;&""'}\]<>]+))", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex KeyValue();

    [GeneratedRegex("^" + SensitiveKeyTail + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SensitiveName();

    /// <summary>
    /// A literal that every match of some pattern contains (each sensitive word has one of the last nine in it): ASCII text
    /// with none of them, in any case, has nothing to redact, and most text (log lines, names, short messages) is let
    /// through after one vectorised scan instead of eight patterns. Text with any other character (the patterns' ignored
    /// case also matches the Kelvin sign for k and the long s for s) or a backslash (a JSON escape can spell a name) is
    /// always scanned in full.
    /// </summary>
    private static readonly SearchValues<string> Anchors = SearchValues.Create(
    [
        "-----BEGIN", "authorization", "x-api-key", "x-auth-token", "x-access-token", "bearer", "basic", "://", "eyJ",
        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "sk_live_", "sk_test_", "rk_live_", "rk_test_", "AIza",
        "ops_", "opa_", "npm_", "AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA",
        "pass", "pwd", "secret", "token", "key", "credential", "sharedaccesssignature", "session", "cookie",
    ], StringComparison.OrdinalIgnoreCase);

    /// <summary>True when no pattern can match <paramref name="text"/> (<see cref="Anchors"/>).</summary>
    private static bool NothingToRedact(string text) =>
        Ascii.IsValid(text) && !text.Contains('\\') && text.AsSpan().IndexOfAny(Anchors) < 0;

    /// <summary>The text with every secret it contains replaced by <see cref="Mask"/>; null stays null.</summary>
    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text) || NothingToRedact(text))
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
        result = JsonWebToken().Replace(result, m => m.Groups["keep"].Value + Mask);
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
        if (string.IsNullOrEmpty(json) || NothingToRedact(json))
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
