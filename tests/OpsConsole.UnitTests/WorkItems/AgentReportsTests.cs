using System.Text.Json;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;

namespace OpsConsole.UnitTests.WorkItems;

/// <summary>An agent's report read from a hub argument follows the REST body's rules and names every bad field at once.</summary>
public sealed class AgentReportsTests
{
    private static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void A_progress_report_over_the_limits_is_refused_with_every_problem()
    {
        var refused = Assert.Throws<RefusedException>(() => AgentReports.ProgressFromHub(Json($$"""{"message":"building","step":"{{new string('s', 101)}}","percent":150}""")));

        Assert.Equal(RefusalKind.Invalid, refused.Kind);
        Assert.Equal("step is 101 characters long; at most 100 are allowed; percent must be a whole number from 0 to 100", refused.Message);
    }

    [Fact]
    public void A_good_progress_report_is_read_trimmed_with_its_data_and_usage()
    {
        var report = AgentReports.ProgressFromHub(Json("""{"message":"  building  ","step":"build","percent":40,"data":{"attempt":1},"usage":{"input_tokens":10}}"""));

        Assert.Equal("building", report.Message);
        Assert.Equal("build", report.Step);
        Assert.Equal(40, report.Percent);
        Assert.Equal("""{"attempt":1}""", report.Data);
        Assert.Equal(10, report.Usage?.InputTokens);
    }

    [Fact]
    public void A_completion_takes_usage_out_of_the_output_and_refuses_an_output_that_is_no_object()
    {
        var completion = AgentReports.CompletionFromHub(Json("""{"result":"redeployed","usage":{"cost_usd":0.25}}"""));
        var nothing = AgentReports.CompletionFromHub(null);

        Assert.Equal("""{"result":"redeployed"}""", completion.Output);
        Assert.Equal(0.25m, completion.Usage?.CostUsd);
        Assert.Null(nothing.Output);
        Assert.Equal("output_data must be a JSON object, not a list", Assert.Throws<RefusedException>(() => AgentReports.CompletionFromHub(Json("[1,2]"))).Message);
    }

    [Fact]
    public void A_failure_needs_its_message_and_takes_details_as_text_or_an_object()
    {
        Assert.Equal("error_message is required", Assert.Throws<RefusedException>(() => AgentReports.FailureFromHub(Json("""{"error_details":"x"}"""))).Message);
        Assert.Equal("the report must be a JSON object, not a string", Assert.Throws<RefusedException>(() => AgentReports.FailureFromHub(Json("\"broke\""))).Message);

        Assert.Equal("tail of stderr", AgentReports.FailureFromHub(Json("""{"error_message":"exit 1","error_details":"tail of stderr"}""")).Details);
        Assert.Equal("""{"exit":1}""", AgentReports.FailureFromHub(Json("""{"error_message":"exit 1","error_details":{"exit":1}}""")).Details);
    }
}
