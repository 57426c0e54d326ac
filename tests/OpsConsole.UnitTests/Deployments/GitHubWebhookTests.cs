using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;

namespace OpsConsole.UnitTests.Deployments;

public sealed class GitHubWebhookTests
{
    private const string Secret = "It's a Secret to Everybody";

    [Fact]
    public void The_signature_example_from_githubs_documentation_verifies()
    {
        // docs.github.com "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
        var body = Encoding.UTF8.GetBytes("Hello, World!");

        Assert.True(GitHubSignature.IsValid(body, "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", Secret));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d")]
    [InlineData("sha256=not-hex")]
    [InlineData("sha256=857107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    public void Missing_malformed_or_wrong_signatures_do_not_verify(string? header)
    {
        Assert.False(GitHubSignature.IsValid(Encoding.UTF8.GetBytes("Hello, World!"), header, Secret));
    }

    [Fact]
    public void A_changed_body_does_not_verify_with_the_original_signature()
    {
        var signature = GitHubSignature.Sign(Encoding.UTF8.GetBytes("{\"a\":1}"), Secret);

        Assert.False(GitHubSignature.IsValid(Encoding.UTF8.GetBytes("{\"a\":2}"), signature, Secret));
    }

    [Fact]
    public void A_failed_workflow_run_is_one_failure_of_that_workflow_on_that_branch()
    {
        var meaning = GitHubFailureEvents.Interpret("workflow_run", Payload("workflow_run.failure.json"), "production", "d-1");

        var failure = Assert.Single(meaning.Failures);
        Assert.Null(failure.DeploymentId);
        Assert.Equal("Deploy to production", failure.Step);
        Assert.Equal("production", failure.Environment);
        Assert.Equal("main", failure.GitBranch);
        Assert.Contains("concluded failure on main (run #482", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("https://github.com/meats-central/projectmeats/actions/runs/12011593460", failure.Url);
        Assert.Equal("octo-dev", failure.User);
    }

    [Fact]
    public void The_same_workflow_failing_on_the_next_commit_is_the_same_problem()
    {
        var first = Payload("workflow_run.failure.json");
        var second = Payload("workflow_run.failure.json");
        second["workflow_run"]!["run_number"] = 483;
        second["workflow_run"]!["head_sha"] = "0123456789abcdef0123456789abcdef01234567";
        second["workflow_run"]!["display_title"] = "Another commit message";

        Assert.Equal(
            FailureFingerprint.Of(GitHubFailureEvents.Interpret("workflow_run", first, "production", "a").Failures[0]),
            FailureFingerprint.Of(GitHubFailureEvents.Interpret("workflow_run", second, "production", "b").Failures[0]));
    }

    [Fact]
    public void A_failed_check_run_names_the_check_branch_and_summary()
    {
        var failure = Assert.Single(GitHubFailureEvents.Interpret("check_run", Payload("check_run.failure.json"), "production", "d-2").Failures);

        Assert.Equal("backend-tests (3.12)", failure.Step);
        Assert.Equal("feature/checkout-v2", failure.GitBranch);
        Assert.Contains("3 tests failed", failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_deployment_status_is_per_deployment_in_its_own_environment()
    {
        var failure = Assert.Single(GitHubFailureEvents.Interpret("deployment_status", Payload("deployment_status.failure.json"), "production", "d-3").Failures);

        Assert.Equal("github-deployment-1987654321", failure.DeploymentId);
        Assert.Equal("staging", failure.Environment);
        Assert.Contains("Health check failed", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.EndsWith("/job/33912899999", failure.Url, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("workflow_run", "workflow_run.success.json")]
    [InlineData("push", "workflow_run.failure.json")]
    public void Successes_and_other_events_are_not_failures_and_say_why(string eventName, string file)
    {
        var meaning = GitHubFailureEvents.Interpret(eventName, Payload(file), "production", "d-4");

        Assert.Empty(meaning.Failures);
        Assert.NotNull(meaning.Ignored);
    }

    private static JsonObject Payload(string name) => JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("samples", "github", name)))!.AsObject();
}
