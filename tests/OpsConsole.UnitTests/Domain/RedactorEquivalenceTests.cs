using System.Text;
using System.Text.RegularExpressions;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

/// <summary>
/// The linear-time patterns of <see cref="Redactor"/> redact exactly as the former backtracking ones did (quadratic or
/// worse on long adversarial text, fine on short text): both redact thousands of short texts built from the pieces the
/// patterns care about (word characters, '.', '-', separators, quotes, zero-width joiners, keywords, token prefixes,
/// "[REDACTED"…), and must agree on every one. A deliberate change to what gets redacted makes this comparison obsolete.
/// </summary>
public sealed class RedactorEquivalenceTests
{
    private const RegexOptions Exact = RegexOptions.CultureInvariant;
    private const RegexOptions AnyCase = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;
    private const string FormerSensitiveKey = @"[\w.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?|accountkey|sharedaccesskey|sharedaccesssignature|session[_-]?id|cookie)[\w-]*";

    private static readonly Regex PrivateKey = new(@"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)", Exact);
    private static readonly Regex KnownTokens = new(@"\b(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|op[sa]_[A-Za-z0-9_-]{32,}|npm_[A-Za-z0-9]{36})", Exact);
    private static readonly Regex AwsAccessKeyId = new(@"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b", Exact);
    private static readonly Regex JsonWebToken = new(@"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", Exact);
    private static readonly Regex AuthorizationHeader = new(@"\b(?<key>(?:proxy-)?authorization|x-api-key|x-auth-token|x-access-token)(?<sep>[""']?\s*[:=]\s*[""']?)(?:(?<scheme>bearer|basic|token|digest|negotiate)\s+)?(?!\[REDACTED)(?<value>[^\s""',;]+)", AnyCase);
    private static readonly Regex SchemeCredentials = new(@"\b(?<scheme>bearer|basic)\s+(?!\[REDACTED)[A-Za-z0-9\-._~+/]{8,}=*", AnyCase);
    private static readonly Regex UrlCredentials = new(@"\b(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?<user>[^\s:/?#@""'<>]+):(?<password>[^\s@/?#""'<>]+)@", Exact);
    private static readonly Regex KeyValue = new(@"(?<key>\b" + FormerSensitiveKey + @")(?<q1>[""']?)(?<sep>\s*[:=]\s*)(?:(?<q>[""'])(?!\[REDACTED)(?<value>[^""'\r\n]*)\k<q>|(?!\[REDACTED)(?<value>[^\s,;&""'}\]<>]+))", AnyCase);
    private static readonly Regex SensitiveName = new("^" + FormerSensitiveKey + "$", AnyCase);

    private static readonly string[] Pieces =
    [
        "a", "b", "Z", "0", "9", "_", ".", "-", "=", ":", " ", "\t", "\n", "\r", "'", "\"", ",", ";", "&", "}", "]", "[", "<", ">", "/", "?",
        "#", "@", "+", "~", "\u200D", "\u200C", "é", "\u212A", "\u0301",
        "password", "PassWord", "pwd", "passwd", "token", "secret", "client-secret", "client_secret", "api_key", "apikey", "credentials",
        "session-id", "cookie", "[REDACTED]", "[redacted", "[REDACTED", "eyJ", "eyJabcdefgh", "abcdefgh", "://", "http", "a://", "u:p@",
        "bearer", "basic", "Bearer ", "authorization", "x-api-key", "ghp_", "AKIA", "ABCDEFGHIJKLMNOP", "-----BEGIN ", "PRIVATE KEY-----",
        "-----END ", "RSA ", "glpat-", "aaaaaaaaaaaaaaaaaaaa", "sk_live_", "xoxb-",
    ];

    [Fact]
    public void Short_texts_are_redacted_as_the_former_patterns_redacted_them()
    {
        var random = new Random(20261125);
        var texts = Enumerable.Range(0, 6_000).Select(_ => Text(random, random.Next(1, 16)));

        foreach (var text in texts)
        {
            Assert.Equal((text, FormerRedact(text)), (text, Redactor.Redact(text)));
            Assert.Equal((text, SensitiveName.IsMatch(text)), (text, Redactor.IsSensitiveName(text)));
        }
    }

    [Theory]
    [InlineData("aeyJabcdefgh.eyJabcdefgh.abcdefgh")]
    [InlineData("a-eyJabcdefgh.eyJabcdefgh.abcdefgh")]
    [InlineData("a_eyJ-eyJabcdefgh.eyJabcdefgh.abcdefgh")]
    [InlineData("eyJab.eyJabcdefgh.eyJabcdefgh.abcdefgh")]
    [InlineData("\u200DeyJabcdefgh.eyJabcdefgh.abcdefgh x-eyJabcdefgh.eyJabcdefgh.abcdefgh")]
    [InlineData("\u200Dclient-secret=1")]
    [InlineData("\u200Dpassword=1")]
    [InlineData("\u200Da.password=1")]
    [InlineData("a.password.x=1 password.api_key=1 -.-token=1 .password=1")]
    [InlineData("client_secret.client-secreta://~ x-api-key.credentials=api_key")]
    [InlineData("1a://u:p@h 1.a://u:p@h \u200Da://u:p@h \u200Dab.c://u:p@h +.-a1://u:p@h")]
    [InlineData("password=\"[REDACTED] token=abc\" password=[REDACTEDfoo.token=abc")]
    [InlineData("authorization: bearer     [REDACTED] password = = value")]
    [InlineData("to\u212Aen=1 PASSWORD=x password\n=x password\"=x password='x\" password=\"x'")]
    public void Edge_cases_are_redacted_as_the_former_patterns_redacted_them(string text)
    {
        Assert.Equal(FormerRedact(text), Redactor.Redact(text));
    }

    [Theory]
    [InlineData("password\n")]
    [InlineData("a.password")]
    [InlineData("password.a")]
    [InlineData("\u200Dpassword")]
    [InlineData("-password")]
    [InlineData(".password-x")]
    [InlineData("a b.password")]
    [InlineData("to\u212Aen")]
    public void Field_names_are_told_sensitive_as_the_former_pattern_told_them(string name)
    {
        Assert.Equal(SensitiveName.IsMatch(name), Redactor.IsSensitiveName(name));
    }

    private static string Text(Random random, int pieces)
    {
        var text = new StringBuilder();
        for (var i = 0; i < pieces; i++)
        {
            text.Append(Pieces[random.Next(Pieces.Length)]);
        }

        return text.ToString();
    }

    /// <summary>Redactor.Redact(string) as it was, with the patterns above.</summary>
    private static string FormerRedact(string text)
    {
        var result = PrivateKey.Replace(text, "[REDACTED PRIVATE KEY]");
        result = AuthorizationHeader.Replace(result, m =>
            m.Groups["key"].Value + m.Groups["sep"].Value + (m.Groups["scheme"].Success ? m.Groups["scheme"].Value + " " : "") + Redactor.Mask);
        result = SchemeCredentials.Replace(result, m => m.Groups["scheme"].Value + " " + Redactor.Mask);
        result = UrlCredentials.Replace(result, m => $"{m.Groups["scheme"].Value}{m.Groups["user"].Value}:{Redactor.Mask}@");
        result = KnownTokens.Replace(result, Redactor.Mask);
        result = AwsAccessKeyId.Replace(result, Redactor.Mask);
        result = JsonWebToken.Replace(result, Redactor.Mask);
        return KeyValue.Replace(result, m =>
            m.Groups["key"].Value + m.Groups["q1"].Value + m.Groups["sep"].Value
            + (m.Groups["q"].Success ? m.Groups["q"].Value + Redactor.Mask + m.Groups["q"].Value : Redactor.Mask));
    }
}
