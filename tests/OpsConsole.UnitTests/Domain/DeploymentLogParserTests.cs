using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class DeploymentLogParserTests
{
    // The shape the real orchestrator writes (the original repository's deployment_log.json): JSON Lines, naive timestamps,
    // deployment_id and step often null, step a number once a deployment runs.
    private const string OriginalRepositoryShape = """
        {"timestamp": "2025-08-03 14:43:38", "level": "INFO", "message": "Logging initialized - logs/deployment_20250803_144338.log", "deployment_id": null, "step": null}
        {"timestamp": "2025-08-03 14:43:38", "level": "WARNING", "message": "Error detected: Permission issues detected", "deployment_id": null, "step": null}
        {"timestamp": "2025-08-03 14:43:38", "level": "INFO", "message": "Starting deployment 55cf7e77", "deployment_id": "55cf7e77", "step": 0}
        {"timestamp": "2025-08-03 14:43:38", "level": "SUCCESS", "message": "Successfully connected to test.example.com", "deployment_id": null, "step": null}
        {"timestamp": "2025-08-03 14:44:08", "level": "ERROR", "message": "Failed to connect to server: timed out", "deployment_id": "55cf7e77", "step": 0}
        {"timestamp": "2025-08-03 14:44:08", "level": "INFO", "message": "Disconnected from server", "deployment_id": "55cf7e77", "step": 0}
        """;

    private static List<DeploymentEntry> Lines(string text) =>
        text.Split('\n').Select(l => DeploymentLogParser.ParseLine(l, null)).Where(p => !p.IsBlank)
            .Select(p => p.Entry ?? throw new Xunit.Sdk.XunitException(p.Error)).ToList();

    [Fact]
    public void Json_lines_of_the_real_orchestrator_are_read_with_their_time_level_deployment_and_numeric_step()
    {
        var entries = Lines(OriginalRepositoryShape);

        Assert.Equal(6, entries.Count);
        var error = entries[4];
        Assert.Equal(new DateTime(2025, 8, 3, 14, 44, 8, DateTimeKind.Utc), error.Timestamp);
        Assert.Equal("ERROR", error.Level);
        Assert.Equal("55cf7e77", error.DeploymentId);
        Assert.Equal("0", error.Step);
        Assert.Equal("Failed to connect to server: timed out", error.Message);
        Assert.Null(entries[0].DeploymentId);
    }

    [Fact]
    public void Only_the_error_line_of_the_real_orchestrators_log_is_a_failure()
    {
        var failures = Lines(OriginalRepositoryShape).Where(e => FailureDetector.Assess(e).IsFailure).ToList();

        var failure = Assert.Single(failures);
        Assert.Equal("Failed to connect to server: timed out", FailureDetector.ErrorMessageOf(failure));
    }

    [Fact]
    public void The_committed_sample_log_has_four_error_lines_in_three_problems_and_no_false_alarms()
    {
        var path = RepositoryRoot.Combine("samples", "deployment_log.json");
        Assert.Equal(DeploymentLogFormat.Lines, DeploymentLogParser.DetectFormat(File.ReadAllText(path)));

        var failures = Lines(File.ReadAllText(path)).Where(e => FailureDetector.Assess(e).IsFailure)
            .Select(e => FailureReport.FromEntry(e, FailureChannels.DeploymentLog, "production", "test")).ToList();

        Assert.Equal(4, failures.Count);
        Assert.Equal(3, failures.Select(FailureFingerprint.Of).Distinct().Count());
        Assert.DoesNotContain(failures, f => f.ErrorMessage.Contains("Permission denied", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Json_document_with_the_original_entry_keys_is_read_entry_by_entry()
    {
        const string document = """
            {
              "deployments": [
                {"timestamp": "2026-11-25T09:14:02Z", "deployment_id": "deploy-1", "status": "success", "exit_code": 0},
                {"timestamp": "2026-11-25T09:20:00.123456Z", "id": "deploy-2", "status": "failed", "error_message": "Build failed: npm ERR!",
                 "current_step": "build", "hostname": "web-1", "domain": "example.com", "git_branch": "release", "git_commit": "4f2c9e1",
                 "user": "deploy", "duration": "00:03:12", "exit_code": "1", "logs": [{"level": "INFO", "message": "npm ci"}, {"level": "ERROR", "message": "npm ERR! code ERESOLVE"}]},
                "not an entry"
              ]
            }
            """;

        Assert.Equal(DeploymentLogFormat.Document, DeploymentLogParser.DetectFormat(document));
        var parsed = DeploymentLogParser.ParseDocument(document, null);

        Assert.Null(parsed.Error);
        Assert.Equal(3, parsed.Entries.Count);
        Assert.Null(parsed.Entries[2]);
        Assert.Contains(parsed.Problems, p => p.Contains("deployments[2]", StringComparison.Ordinal));
        var failed = parsed.Entries[1]!;
        Assert.Equal("deploy-2", failed.DeploymentId);
        Assert.Equal("build", failed.Step);
        Assert.Equal("web-1", failed.Hostname);
        Assert.Equal(1, failed.ExitCode);
        Assert.Equal(2, failed.Logs.Count);
        Assert.Equal(new DateTime(2026, 11, 25, 9, 20, 0, 123, 456, DateTimeKind.Utc), failed.Timestamp);
        Assert.False(FailureDetector.Assess(parsed.Entries[0]!).IsFailure);
        Assert.True(FailureDetector.Assess(failed).IsFailure);
    }

    [Fact]
    public void A_document_that_does_not_parse_says_so_instead_of_returning_nothing_silently()
    {
        var parsed = DeploymentLogParser.ParseDocument("""{"deployments": [{"id": "x"}""", null);

        Assert.NotNull(parsed.Error);
        Assert.Empty(parsed.Entries);
    }

    [Theory]
    [InlineData("{\n  \"deployments\": [", DeploymentLogFormat.Document)]
    [InlineData("""{"deployments": []}""", DeploymentLogFormat.Document)]
    [InlineData("[{\"id\": \"a\"}]", DeploymentLogFormat.Document)]
    [InlineData("{\"level\": \"INFO\", \"message\": \"x\"}\n{\"level\": \"ERROR\", \"message\": \"y\"}", DeploymentLogFormat.Lines)]
    [InlineData("2026-11-25 09:14:02 ERROR deploy failed", DeploymentLogFormat.Lines)]
    [InlineData("", DeploymentLogFormat.Lines)]
    public void Format_is_recognised_from_the_start_of_the_file(string head, DeploymentLogFormat expected)
    {
        Assert.Equal(expected, DeploymentLogParser.DetectFormat(head));
    }

    [Fact]
    public void Plain_text_line_yields_time_level_deployment_step_environment_and_exit_code()
    {
        var entry = DeploymentLogParser.ParseTextLine("[2026-11-25T09:14:02+01:00] ERROR [deploy-42] env=staging step=migrate: psql exited, exit code 2", null);

        Assert.Equal(new DateTime(2026, 11, 25, 8, 14, 2, DateTimeKind.Utc), entry.Timestamp);
        Assert.Equal("ERROR", entry.Level);
        Assert.Equal("deploy-42", entry.DeploymentId);
        Assert.Equal("migrate", entry.Step);
        Assert.Equal("staging", entry.Environment);
        Assert.Equal(2, entry.ExitCode);
        Assert.True(FailureDetector.Assess(entry).IsFailure);
    }

    [Theory]
    [InlineData("2026-11-25 09:14:02 INFO Deployment deploy-7 started")]
    [InlineData("2026-11-25 09:14:02 WARN disk 81% full")]
    [InlineData("just some words")]
    public void Plain_text_lines_without_an_error_are_not_failures(string line)
    {
        var parsed = DeploymentLogParser.ParseLine(line, null);

        Assert.NotNull(parsed.Entry);
        Assert.False(FailureDetector.Assess(parsed.Entry).IsFailure);
    }

    [Fact]
    public void Plain_text_line_without_a_level_that_says_deployment_failed_is_a_failure_as_in_the_original()
    {
        var entry = DeploymentLogParser.ParseTextLine("Deployment failed: command not found: gunicorn", null);

        Assert.True(FailureDetector.Assess(entry).IsFailure);
    }

    [Theory]
    [InlineData("{\"timestamp\": \"2026-11-25 09:14:02\", \"level\": \"ERROR\"", "not valid JSON")]
    [InlineData("{\"exit_code\": [1], \"message\": \"x\"}", "exit_code must be a whole number")]
    [InlineData("{\"deployment_id\": {\"a\": 1}}", "deployment_id must be a string")]
    [InlineData("{\"logs\": \"boom\"}", "logs must be a list")]
    public void Malformed_json_line_is_an_error_that_says_what_is_wrong(string line, string expected)
    {
        var parsed = DeploymentLogParser.ParseLine(line, null);

        Assert.Null(parsed.Entry);
        Assert.Contains(expected, parsed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Unreadable_timestamp_in_the_log_is_a_warning_and_the_entry_is_still_read()
    {
        var parsed = DeploymentLogParser.ParseLine("""{"timestamp": "yesterday", "level": "ERROR", "message": "boom"}""", null);

        Assert.NotNull(parsed.Entry);
        Assert.Null(parsed.Entry.Timestamp);
        Assert.Contains(parsed.Warnings, w => w.Contains("yesterday", StringComparison.Ordinal));
    }

    [Fact]
    public void Blank_lines_are_neither_entries_nor_errors()
    {
        Assert.True(DeploymentLogParser.ParseLine("   \r", null).IsBlank);
    }
}
