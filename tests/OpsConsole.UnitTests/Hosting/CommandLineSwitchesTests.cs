using Microsoft.Extensions.Configuration;
using OpsConsole.Features.Orchestration;
using OpsConsole.Hosting;

namespace OpsConsole.UnitTests.Hosting;

public sealed class CommandLineSwitchesTests
{
    private static OrchestrationOptions Bind(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(CommandLineSwitches.Normalize(args)).Build();
        var options = new OrchestrationOptions();
        configuration.GetSection(OrchestrationOptions.Section).Bind(options);
        return options;
    }

    [Fact]
    public void The_seeds_switches_become_orchestration_settings()
    {
        var normalized = CommandLineSwitches.Normalize(["--interval", "30", "--verbose", "--dry-run", "--deployment-check-interval=60", "--health-check-interval", "600"]);

        Assert.Equal(
            [
                "--Orchestration:IntervalSeconds=30",
                "--Orchestration:Verbose=true",
                "--Orchestration:DryRun=true",
                "--Orchestration:DeploymentCheckIntervalSeconds=60",
                "--Orchestration:HealthCheckIntervalSeconds=600",
            ],
            normalized);
    }

    [Fact]
    public void Switches_given_on_the_command_line_reach_the_orchestration_options()
    {
        var options = Bind("--interval", "15", "--deployment-check-interval=90", "--health-check-interval", "120", "--verbose", "--dry-run");

        Assert.Equal(15, options.IntervalSeconds);
        Assert.Equal(90, options.DeploymentCheckIntervalSeconds);
        Assert.Equal(120, options.HealthCheckIntervalSeconds);
        Assert.True(options.Verbose);
        Assert.True(options.DryRun);
    }

    [Fact]
    public void Without_switches_the_orchestration_options_keep_the_reference_defaults()
    {
        var options = Bind();

        Assert.Equal(30, options.IntervalSeconds);
        Assert.Equal(60, options.DeploymentCheckIntervalSeconds);
        Assert.Equal(300, options.HealthCheckIntervalSeconds);
        Assert.False(options.Verbose);
        Assert.False(options.DryRun);
    }

    [Fact]
    public void Flag_with_an_explicit_value_keeps_that_value()
    {
        Assert.Equal(["--Orchestration:Verbose=false"], CommandLineSwitches.Normalize(["--verbose=false"]));
        Assert.False(Bind("--dry-run=false").DryRun);
    }

    [Fact]
    public void Switch_names_are_matched_case_insensitively()
    {
        Assert.Equal(["--Orchestration:DryRun=true", "--Orchestration:IntervalSeconds=5"], CommandLineSwitches.Normalize(["--DRY-RUN", "--Interval", "5"]));
    }

    [Fact]
    public void Other_arguments_are_left_alone_and_in_order()
    {
        var normalized = CommandLineSwitches.Normalize(["--urls", "http://localhost:5080", "--interval", "30", "--environment=Development", "positional"]);

        Assert.Equal(["--urls", "http://localhost:5080", "--Orchestration:IntervalSeconds=30", "--environment=Development", "positional"], normalized);
    }

    [Fact]
    public void Orchestration_settings_given_directly_pass_through_unchanged()
    {
        string[] args = ["--Orchestration:IntervalSeconds=45"];

        Assert.Equal(args, CommandLineSwitches.Normalize(args));
        Assert.Equal(45, Bind(args).IntervalSeconds);
    }

    [Fact]
    public void No_arguments_give_no_arguments()
    {
        Assert.Empty(CommandLineSwitches.Normalize([]));
    }

    [Fact]
    public void Interval_switch_without_its_number_stops_the_start_with_a_message_instead_of_swallowing_the_next_switch()
    {
        var ex = Assert.Throws<OpsConsole.Domain.OpsConsoleSettingsException>(() => CommandLineSwitches.Normalize(["--interval", "--verbose"]));

        Assert.Contains("--interval needs a number of seconds", ex.Message);
    }
}
