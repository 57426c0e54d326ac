using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class RedactorTests
{
    [Theory]
    [InlineData("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 leaked", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789")]
    [InlineData("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ", "github_pat_11ABCDEFG0123456789")]
    [InlineData("slack xoxb-1234567890-abcdefghijkl", "xoxb-1234567890-abcdefghijkl")]
    [InlineData("aws key AKIAIOSFODNN7EXAMPLE in env", "AKIAIOSFODNN7EXAMPLE")]
    [InlineData("stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")]
    public void Known_token_shapes_are_masked(string text, string secret)
    {
        var redacted = Redactor.Redact(text)!;

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains(Redactor.Mask, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("could not connect: postgresql://app:s3cr3t-pw@10.0.4.12:5432/meats", "s3cr3t-pw", "postgresql://app:[REDACTED]@10.0.4.12")]
    [InlineData("git clone https://deploy:hunter2@github.com/org/repo.git", "hunter2", "https://deploy:[REDACTED]@github.com")]
    public void Passwords_in_urls_are_masked_but_the_user_and_host_stay(string text, string secret, string kept)
    {
        var redacted = Redactor.Redact(text)!;

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains(kept, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DB_PASSWORD=hunter2 ./run.sh", "hunter2", "DB_PASSWORD=[REDACTED]")]
    [InlineData("api_key: abc123def456", "abc123def456", "api_key: [REDACTED]")]
    [InlineData("{\"client_secret\": \"shh-very-secret\", \"user\": \"bob\"}", "shh-very-secret", "\"user\": \"bob\"")]
    [InlineData("Server=db;User Id=sa;Password=P@ssw0rd!;Database=meats", "P@ssw0rd!", "Database=meats")]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abcd+efgh/ijkl==;EndpointSuffix=core.windows.net", "abcd+efgh/ijkl==", "AccountName=x")]
    [InlineData("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI", "aws_secret_access_key = [REDACTED]")]
    public void Secret_values_of_key_value_pairs_and_connection_strings_are_masked(string text, string secret, string kept)
    {
        var redacted = Redactor.Redact(text)!;

        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Contains(kept, redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("curl -H 'Authorization: Bearer abc.def.ghi-123456' https://api", "abc.def.ghi-123456")]
    [InlineData("authorization=Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==")]
    [InlineData("sent bearer 0123456789abcdefXYZ to the proxy", "0123456789abcdefXYZ")]
    public void Authorization_headers_and_bearer_credentials_are_masked(string text, string secret)
    {
        Assert.DoesNotContain(secret, Redactor.Redact(text)!, StringComparison.Ordinal);
    }

    [Fact]
    public void Private_keys_are_removed_whole()
    {
        const string text = "key:\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\nAAAAAAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5\n-----END OPENSSH PRIVATE KEY-----\nafter";

        var redacted = Redactor.Redact(text)!;

        Assert.DoesNotContain("b3BlbnNzaC1rZXkt", redacted, StringComparison.Ordinal);
        Assert.Contains("[REDACTED PRIVATE KEY]", redacted, StringComparison.Ordinal);
        Assert.EndsWith("after", redacted, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Deployment deploy-20261125-0910 failed at step migrate")]
    [InlineData("Failed to connect to server: timed out")]
    [InlineData("npm ERR! code ERESOLVE")]
    public void Ordinary_messages_are_left_alone(string text)
    {
        Assert.Equal(text, Redactor.Redact(text));
    }

    [Fact]
    public void Redacting_twice_changes_nothing_more()
    {
        var once = Redactor.Redact("password=hunter2 token: ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789 https://u:p@h.example");

        Assert.Equal(once, Redactor.Redact(once));
    }

    [Fact]
    public void Json_values_are_redacted_and_secret_named_fields_masked()
    {
        var node = JsonNode.Parse("""{"db": {"password": "hunter2", "port": 5432}, "notes": ["url https://a:b@c.example"], "api_token": 12345}""");

        var redacted = Redactor.Redact(node)!.ToJsonString();

        Assert.DoesNotContain("hunter2", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("a:b@", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("12345", redacted, StringComparison.Ordinal);
        Assert.Contains("5432", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failure_report_is_redacted_in_every_text_field()
    {
        var report = new FailureReport
        {
            Channel = FailureChannels.FailureApi,
            ErrorMessage = "push failed with ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
            Environment = "production",
            Hostname = "https://root:toor@web-1",
            ServerExtra = new JsonObject { ["secret_key"] = "abc" },
        };

        var redacted = report.Redacted();

        Assert.DoesNotContain("ghp_", redacted.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("toor", redacted.Hostname, StringComparison.Ordinal);
        Assert.Equal(Redactor.Mask, (string?)redacted.ServerExtra!["secret_key"]);
    }

    // Long adversarial text: each input is a unit repeated to ~400,000 characters between a prefix and a suffix. With a
    // pattern that rescans a run from every start inside it (as the former ones did: "a." × 10,000 took 6 s) these take
    // hours, so a regression shows as a test run that does not finish.

    private const int LongText = 400_000;

    private static string Long(string unit) => new StringBuilder(LongText + unit.Length).Insert(0, unit, LongText / unit.Length).ToString();

    [Theory]
    [InlineData("", "a.", "")]
    [InlineData("", "a-", "")]
    [InlineData("", "a", "")]
    [InlineData("", "a_1", "")]
    [InlineData("", "=", "")]
    [InlineData("", ":", "")]
    [InlineData("", "a=", "")]
    [InlineData("", "'", "")]
    [InlineData("", "\"", "")]
    [InlineData("", "password", "")]
    [InlineData("", "password-", "")]
    [InlineData("", "password.", "a=1")]
    [InlineData("password:", " ", "")]
    [InlineData("password='", "a", "")]
    [InlineData("", "eyJ-", "")]
    [InlineData("", "eyJa", "")]
    [InlineData("eyJabcdefgh.", "eyJ-", "")]
    [InlineData("", "a.", "://")]
    [InlineData("", "a-", "://")]
    [InlineData("a://", "a:", "")]
    [InlineData("", "a://", "")]
    [InlineData("", "-----BEGIN ", "")]
    [InlineData("-----BEGIN ", "A ", "")]
    [InlineData("authorization:", " ", "")]
    [InlineData("", "bearer ", "")]
    [InlineData("bearer", " ", "")]
    [InlineData("", "ghp_", "")]
    [InlineData("", "AKIA", "")]
    public void A_long_adversarial_text_without_secrets_is_left_as_it_is(string prefix, string unit, string suffix)
    {
        var text = prefix + Long(unit) + suffix;

        Assert.Equal(text, Redactor.Redact(text));
    }

    [Theory]
    [InlineData("", "a.", "password=hunter2", "password=[REDACTED]")]
    [InlineData("", "a-", "password=hunter2", "password=[REDACTED]")]
    [InlineData("", "a.", " DB_PASSWORD=hunter2 ./run.sh", " DB_PASSWORD=[REDACTED] ./run.sh")]
    [InlineData("", "password-", "=hunter2", "=[REDACTED]")]
    [InlineData("", "password.", "token=hunter2", "token=[REDACTED]")]
    [InlineData("", "a.", "client_secret: \"shh-very-secret\"", "client_secret: \"[REDACTED]\"")]
    [InlineData("password:", " ", "hunter2", "[REDACTED]")]
    [InlineData("", "=", "password=hunter2", "password=[REDACTED]")]
    [InlineData("", ":", " api_key: abc123def456", " api_key: [REDACTED]")]
    [InlineData("", "a.", "://deploy:hunter2@github.com/org/repo.git", "://deploy:[REDACTED]@github.com/org/repo.git")]
    [InlineData("", "a-", " https://deploy:hunter2@github.com", " https://deploy:[REDACTED]@github.com")]
    [InlineData("", "eyJ-", " eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", " [REDACTED]")]
    [InlineData("", "a.", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", "[REDACTED]")]
    [InlineData("", "bearer ", "bearer 0123456789abcdefXYZ", "bearer [REDACTED]")]
    [InlineData("authorization: ", " ", "Bearer abc.def.ghi-123456", "Bearer [REDACTED]")]
    [InlineData("", "-----BEGIN ", "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END RSA PRIVATE KEY-----", "[REDACTED PRIVATE KEY]")]
    public void Secrets_at_the_end_of_a_long_adversarial_text_are_masked(string prefix, string unit, string secret, string masked)
    {
        var text = prefix + Long(unit);

        Assert.Equal(text + masked, Redactor.Redact(text + secret));
    }

    [Fact]
    public void Secrets_between_long_adversarial_runs_are_masked_and_the_runs_kept()
    {
        string dots = Long("a."), dashes = Long("a-"), tokens = Long("eyJ-");
        var text = $"{dots} password=hunter2 {dashes} https://u:pw@h.example {tokens} token: 'abc'";

        Assert.Equal($"{dots} password=[REDACTED] {dashes} https://u:[REDACTED]@h.example {tokens} token: '[REDACTED]'", Redactor.Redact(text));
    }

    [Theory]
    [InlineData("", "a.", "password", true)]
    [InlineData("", "password-", "", true)]
    [InlineData("", "a-", "api_key", true)]
    [InlineData("", "password", ".a", false)]
    [InlineData("", "a.", "", false)]
    [InlineData("", "a-", "", false)]
    [InlineData("password ", "a", "", false)]
    public void Long_field_names_are_told_sensitive_or_not(string prefix, string unit, string suffix, bool sensitive)
    {
        Assert.Equal(sensitive, Redactor.IsSensitiveName(prefix + Long(unit) + suffix));
    }

    [Fact]
    public void Json_with_long_adversarial_names_and_values_is_redacted()
    {
        string dots = Long("a."), dashes = Long("a-"), words = Long("password");
        var json = new JsonObject { [dots + "password"] = "hunter2", ["note"] = dashes + " token=abc", [words + ".a"] = "kept" }.ToJsonString();

        var redacted = JsonNode.Parse(Redactor.RedactJson(json)!)!.AsObject();

        Assert.Equal(Redactor.Mask, (string?)redacted[dots + "password"]);
        Assert.Equal(dashes + " token=[REDACTED]", (string?)redacted["note"]);
        Assert.Equal("kept", (string?)redacted[words + ".a"]);
    }
}
