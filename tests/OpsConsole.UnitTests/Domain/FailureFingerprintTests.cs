using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class FailureFingerprintTests
{
    private static FailureReport Report(string message, string? deploymentId = null, string step = "migrate", string environment = "production", string channel = FailureChannels.DeploymentLog) =>
        new() { Channel = channel, ErrorMessage = message, DeploymentId = deploymentId, Step = step, Environment = environment };

    [Fact]
    public void A_deployment_id_is_the_fingerprint_whatever_the_message()
    {
        Assert.Equal("deployment:deploy-42", FailureFingerprint.Of(Report("connection refused", "deploy-42")));
        Assert.Equal(FailureFingerprint.Of(Report("a", "deploy-42")), FailureFingerprint.Of(Report("b", "deploy-42", step: "other")));
    }

    [Fact]
    public void A_very_long_deployment_id_is_hashed_to_fit()
    {
        var fingerprint = FailureFingerprint.Of(Report("x", new string('d', 100)));

        Assert.StartsWith("deployment#", fingerprint, StringComparison.Ordinal);
        Assert.True(fingerprint.Length <= FailureFingerprint.MaxLength);
    }

    [Fact]
    public void Numbers_ids_hashes_and_addresses_in_the_message_do_not_make_a_new_problem()
    {
        var first = Report("Timeout after 30s connecting to 10.0.4.12:5432 (request 5f0c2a9e-1b7d-4c35-9f65-0a3c6d4b2e11, commit 4f2c9e1ab, job job_8fKq2LmZ93x)");
        var second = Report("Timeout after 31s connecting to 10.0.4.13:5432 (request 0b9d8a7c-6e5f-4d3c-8b2a-19f8e7d6c5b4, commit 9a8b7c6d5, job job_Z1x2C3v4B5n)");

        Assert.Equal(FailureFingerprint.Of(first), FailureFingerprint.Of(second));
    }

    [Theory]
    [InlineData("Timeout after 30s", "Disk full")]
    public void Different_messages_are_different_problems(string a, string b)
    {
        Assert.NotEqual(FailureFingerprint.Of(Report(a)), FailureFingerprint.Of(Report(b)));
    }

    [Fact]
    public void Source_environment_and_step_are_part_of_the_problem()
    {
        var baseline = FailureFingerprint.Of(Report("boom"));

        Assert.NotEqual(baseline, FailureFingerprint.Of(Report("boom", environment: "staging")));
        Assert.NotEqual(baseline, FailureFingerprint.Of(Report("boom", step: "build")));
        Assert.NotEqual(baseline, FailureFingerprint.Of(Report("boom", channel: FailureChannels.FailureApi)));
    }

    [Fact]
    public void Normalisation_masks_and_lowercases()
    {
        Assert.Equal("error <n> on host <ip> for build <hash>: <uuid>",
            FailureFingerprint.Normalize("ERROR 503 on host 192.168.1.20 for build 4F2C9E1AB:   5f0c2a9e-1b7d-4c35-9f65-0a3c6d4b2e11."));
    }
}
