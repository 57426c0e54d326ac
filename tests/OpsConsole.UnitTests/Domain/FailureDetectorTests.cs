using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class FailureDetectorTests
{
    private static DeploymentEntry Entry(string? status = null, bool? success = null, int? exitCode = null, string? error = null, params DeploymentLogLine[] logs) =>
        new() { DeploymentId = "deploy-1", Status = status, Success = success, ExitCode = exitCode, ErrorMessage = error, Logs = logs };

    [Theory]
    [InlineData("failed")]
    [InlineData("ERROR")]
    [InlineData("Failure")]
    [InlineData("timed_out")]
    public void Failed_status_is_a_failure(string status)
    {
        Assert.True(FailureDetector.Assess(Entry(status)).IsFailure);
    }

    [Fact]
    public void Success_false_is_a_failure()
    {
        Assert.True(FailureDetector.Assess(Entry(success: false)).IsFailure);
    }

    [Fact]
    public void Non_zero_exit_code_is_a_failure_even_when_the_status_says_success()
    {
        var assessment = FailureDetector.Assess(Entry("success", exitCode: 137));

        Assert.True(assessment.IsFailure);
        Assert.Contains("137", assessment.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void The_string_zero_exit_code_is_success_not_failure()
    {
        var parsed = DeploymentLogParser.ParseLine("""{"deployment_id": "deploy-1", "exit_code": "0", "status": "success"}""", null);

        Assert.Equal(0, parsed.Entry!.ExitCode);
        Assert.Equal(FailureVerdict.Succeeded, FailureDetector.Assess(parsed.Entry).Verdict);
    }

    [Fact]
    public void Exit_code_zero_alone_says_success()
    {
        Assert.Equal(FailureVerdict.Succeeded, FailureDetector.Assess(Entry(exitCode: 0)).Verdict);
    }

    [Theory]
    [InlineData("Unhandled exception in worker")]
    [InlineData("connection refused by 10.0.0.5:5432")]
    [InlineData("Request timeout after 30s")]
    public void Error_words_in_error_message_make_an_entry_without_outcome_a_failure(string message)
    {
        Assert.True(FailureDetector.Assess(Entry(error: message)).IsFailure);
    }

    [Fact]
    public void A_success_entry_whose_warning_mentions_permission_denied_is_not_a_failure()
    {
        // The original counted this as a failure (reference §6, verified).
        var entry = Entry("success", logs: new DeploymentLogLine("WARNING", "chmod: /var/www/.cache: Permission denied (ignored)"));

        Assert.Equal(FailureVerdict.Succeeded, FailureDetector.Assess(entry).Verdict);
    }

    [Fact]
    public void A_warning_that_mentions_permission_denied_is_not_a_failure_without_an_outcome_either()
    {
        var entry = Entry(logs: new DeploymentLogLine("WARNING", "Permission denied on cache dir, continuing"));

        Assert.False(FailureDetector.Assess(entry).IsFailure);
    }

    [Fact]
    public void A_failed_entry_whose_log_says_permission_denied_is_still_a_failure()
    {
        var entry = Entry("failed", logs: new DeploymentLogLine("ERROR", "Permission denied (publickey)"));

        Assert.True(FailureDetector.Assess(entry).IsFailure);
    }

    [Theory]
    [InlineData(null, "Deployment failed after 3 retries")]
    [InlineData(null, "bash: gunicorn: command not found")]
    [InlineData("ERROR", "anything at all")]
    [InlineData("CRITICAL", "anything at all")]
    public void Log_lines_without_a_level_that_match_a_pattern_or_at_error_level_are_failures(string? level, string message)
    {
        Assert.True(FailureDetector.Assess(Entry(logs: new DeploymentLogLine(level, message))).IsFailure);
    }

    [Fact]
    public void An_info_line_is_not_a_failure()
    {
        Assert.Equal(FailureVerdict.NoSignal, FailureDetector.Assess(new DeploymentEntry { Level = "INFO", Message = "Starting deployment" }).Verdict);
    }

    [Fact]
    public void Error_message_of_an_entry_is_its_own_then_the_last_error_log_line_then_the_default()
    {
        Assert.Equal("boom", FailureDetector.ErrorMessageOf(Entry("failed", error: "boom")));
        Assert.Equal("second", FailureDetector.ErrorMessageOf(Entry("failed", logs: [new("ERROR", "first"), new("INFO", "x"), new("CRITICAL", "second")])));
        Assert.Equal(FailureDetector.DefaultErrorMessage, FailureDetector.ErrorMessageOf(Entry("failed")));
    }

    [Theory]
    [InlineData("Database migration failed", "migrate", "critical")]
    [InlineData("could not reach production API", "smoke", "critical")]
    [InlineData("503 Service Unavailable", "healthcheck", "critical")]
    [InlineData("timed out", "database", "critical")]
    [InlineData("Build failed", "compile", "high")]
    [InlineData("bad configuration value", "config", "high")]
    [InlineData("Permission denied", "copy", "high")]
    [InlineData("Deployment aborted by user", "0", "high")]
    [InlineData("disk full", "upload", "medium")]
    [InlineData("delivery queue stalled", "notify", "medium")]
    public void Severity_follows_the_originals_words_on_word_boundaries(string message, string step, string expected)
    {
        Assert.Equal(expected, FailureDetector.Severity(message, step));
    }

    [Fact]
    public void Recovery_suggestions_accumulate_by_group_and_fall_back_to_the_general_list()
    {
        var both = FailureDetector.RecoverySuggestions("SSH connection refused: permission denied", "deploy");
        var database = FailureDetector.RecoverySuggestions("could not migrate", "database");
        var none = FailureDetector.RecoverySuggestions("disk full", "upload");

        Assert.Equal(6, both.Count);
        Assert.Contains("Check server connectivity and SSH access", both);
        Assert.Contains("Check SSH key authentication", both);
        Assert.Contains("Check for pending migrations", database);
        Assert.Equal(4, none.Count);
        Assert.Equal("Review deployment logs for specific error details", none[0]);
    }

    [Theory]
    [InlineData("Database connection lost", "migrate", WorkItemPriority.Emergency)]
    [InlineData("critical: disk full", "upload", WorkItemPriority.Emergency)]
    [InlineData("production API unreachable", "smoke", WorkItemPriority.Emergency)]
    [InlineData("Build failed", "compile", WorkItemPriority.Critical)]
    [InlineData("disk full", "upload", WorkItemPriority.Critical)]
    public void Priority_is_emergency_for_database_or_critical_failures_and_critical_otherwise(string message, string step, WorkItemPriority expected)
    {
        Assert.Equal(expected, FailureDetector.Priority(message, step, FailureDetector.Severity(message, step)));
    }
}
