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
}
