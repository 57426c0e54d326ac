using Microsoft.Extensions.Configuration;
using OpsConsole.Features.Orchestration;
using OpsConsole.Hosting;

namespace OpsConsole.UnitTests.Hosting;

public sealed class SettingsValidationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    // ---- Orchestration ----

    [Fact]
    public void Default_orchestration_settings_are_valid()
    {
        Assert.Empty(new OrchestrationOptions().Validate());
    }

    [Fact]
    public void Default_orchestration_settings_are_the_contracts_values()
    {
        var options = new OrchestrationOptions();

        Assert.Equal(TimeSpan.FromMinutes(10), options.HeartbeatTimeout);
        Assert.Equal(TimeSpan.FromHours(2), options.BlockedEscalation);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Backoff.Base);
        Assert.Equal(TimeSpan.FromHours(1), options.Backoff.Max);
        Assert.Equal(0.2, options.Backoff.Jitter);
    }

    [Fact]
    public void Zero_interval_is_refused_naming_the_setting_and_the_range()
    {
        var options = new OrchestrationOptions { IntervalSeconds = 0 };

        Assert.Equal(["Orchestration:IntervalSeconds is 0; allowed: 1 to 86400"], options.Validate());
    }

    [Fact]
    public void Stall_timeout_must_be_between_ten_seconds_and_a_day()
    {
        Assert.Equal(TimeSpan.FromMinutes(15), new OrchestrationOptions().StallTimeout);
        Assert.Equal(["Orchestration:StallTimeoutSeconds is 5; allowed: 10 to 86400"], new OrchestrationOptions { StallTimeoutSeconds = 5 }.Validate());
        Assert.Equal(["Orchestration:StallTimeoutSeconds is 86401; allowed: 10 to 86400"], new OrchestrationOptions { StallTimeoutSeconds = 86_401 }.Validate());
    }

    [Fact]
    public void Heartbeat_timeout_below_ten_seconds_is_refused()
    {
        var options = new OrchestrationOptions { HeartbeatTimeoutSeconds = 5 };

        Assert.Equal(["Orchestration:HeartbeatTimeoutSeconds is 5; allowed: 10 to 604800"], options.Validate());
    }

    [Fact]
    public void Retry_cap_below_the_retry_base_is_refused_naming_both_settings()
    {
        var options = new OrchestrationOptions { RetryBaseSeconds = 600, RetryMaxSeconds = 60 };

        var message = Assert.Single(options.Validate());
        Assert.Equal("Orchestration:RetryMaxSeconds (60) must be at least RetryBaseSeconds (600)", message);
    }

    [Fact]
    public void Every_wrong_orchestration_setting_is_reported()
    {
        var options = new OrchestrationOptions
        {
            IntervalSeconds = -1,
            DeploymentCheckIntervalSeconds = 0,
            HealthCheckIntervalSeconds = 100_000,
            RetryBaseSeconds = 0,
            BlockedEscalationMinutes = 0,
        };

        var messages = options.Validate().ToList();

        Assert.Equal(5, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Orchestration:IntervalSeconds is -1", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Orchestration:DeploymentCheckIntervalSeconds is 0", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Orchestration:HealthCheckIntervalSeconds is 100000", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Orchestration:RetryBaseSeconds is 0", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Orchestration:BlockedEscalationMinutes is 0", StringComparison.Ordinal));
    }

    // ---- OpsConsole ----

    [Fact]
    public void Default_console_settings_with_no_configuration_are_valid()
    {
        Assert.Empty(new OpsConsoleOptions().Validate(Config()));
    }

    [Fact]
    public void Unknown_database_provider_is_refused_listing_the_allowed_ones()
    {
        var options = new OpsConsoleOptions { DatabaseProvider = "mysql" };

        Assert.Equal(["OpsConsole:DatabaseProvider is 'mysql'; allowed: sqlite, postgres"], options.Validate(Config()));
    }

    [Fact]
    public void Postgres_without_connection_strings_names_both_missing_strings()
    {
        var options = new OpsConsoleOptions { DatabaseProvider = "Postgres" };

        Assert.Equal(
            [
                "ConnectionStrings:OpsConsole is required when OpsConsole:DatabaseProvider is postgres",
                "ConnectionStrings:Hangfire is required when OpsConsole:DatabaseProvider is postgres",
            ],
            options.Validate(Config()));
    }

    [Fact]
    public void Postgres_with_both_connection_strings_is_valid()
    {
        var options = new OpsConsoleOptions { DatabaseProvider = "postgres" };
        var configuration = Config(("ConnectionStrings:OpsConsole", "Host=db;Database=ops"), ("ConnectionStrings:Hangfire", "Host=db;Database=jobs"));

        Assert.Empty(options.Validate(configuration));
        Assert.True(options.UsesPostgres);
    }

    [Fact]
    public void Empty_data_directory_is_refused_with_the_default()
    {
        var options = new OpsConsoleOptions { DataDirectory = " " };

        Assert.Equal(["OpsConsole:DataDirectory is empty; give a folder path (default: data)"], options.Validate(Config()));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Blank_admin_user_name_is_refused(string userName)
    {
        var options = new OpsConsoleOptions { Admin = new() { UserName = userName } };

        Assert.Equal(["OpsConsole:Admin:UserName must be 1 to 100 characters"], options.Validate(Config()));
    }

    [Fact]
    public void Admin_user_name_longer_than_one_hundred_characters_is_refused()
    {
        var options = new OpsConsoleOptions { Admin = new() { UserName = new string('a', 101) } };

        Assert.Equal(["OpsConsole:Admin:UserName must be 1 to 100 characters"], options.Validate(Config()));
    }

    [Fact]
    public void Short_admin_password_is_refused_but_none_at_all_is_fine()
    {
        var shortPassword = new OpsConsoleOptions { Admin = new() { Password = "secret" } };
        var generated = new OpsConsoleOptions { Admin = new() { Password = null } };

        Assert.Equal(["OpsConsole:Admin:Password must be at least 8 characters"], shortPassword.Validate(Config()));
        Assert.Empty(generated.Validate(Config()));
    }

    [Fact]
    public void Short_bootstrap_key_is_refused()
    {
        var options = new OpsConsoleOptions { Api = new() { BootstrapKey = "too-short-key" } };
        var good = new OpsConsoleOptions { Api = new() { BootstrapKey = new string('k', 24) } };

        Assert.Equal(["OpsConsole:Api:BootstrapKey must be at least 24 characters"], options.Validate(Config()));
        Assert.Empty(good.Validate(Config()));
    }

    [Fact]
    public void Write_limit_proxies_and_key_ring_certificate_are_checked_at_start()
    {
        var options = new OpsConsoleOptions
        {
            Api = new() { WritesPerMinute = 0 },
            KnownProxies = "10.0.0.5, 10.0.0.0/8 proxy.example.com",
            DataProtection = new() { CertificatePath = "/nonexistent/keyring.pfx" },
        };
        var good = new OpsConsoleOptions { KnownProxies = "10.0.0.5 ::1,192.168.0.0/16" };

        var problems = options.Validate(Config()).ToList();

        Assert.Equal(3, problems.Count);
        Assert.Equal("OpsConsole:Api:WritesPerMinute is 0; allowed: 1 to 1,000,000 writes a minute per key or token", problems[0]);
        Assert.Equal("OpsConsole:KnownProxies has 'proxy.example.com'; give IP addresses or networks (10.0.0.5, 10.0.0.0/8), separated by spaces or commas", problems[1]);
        Assert.StartsWith("OpsConsole:DataProtection:CertificatePath '/nonexistent/keyring.pfx' cannot be read", problems[2]);
        Assert.Empty(good.Validate(Config()));
        Assert.Equal(3, good.ProxyNetworks().Count);
    }
}
