using System.CommandLine;
using OpsConsole.Cli.Commands;
using OpsConsole.Cli.Output;

namespace OpsConsole.Cli;

/// <summary>Exit codes of every opsctl command (CONTRACT.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The server refused the request (its problem detail is printed), or could not be reached.</summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong or incomplete.</summary>
    public const int Usage = 2;
}

/// <summary>The command tree, and the one place where failures become messages and exit codes.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment env, CancellationToken cancellationToken)
    {
        var root = Build(env);
        var parse = root.Parse(args);
        var config = new InvocationConfiguration
        {
            Output = env.Out,
            Error = env.Error,
            EnableDefaultExceptionHandler = false,
            // Long enough for `agent run` to release its tasks after Ctrl-C.
            ProcessTerminationTimeout = env.HandleSignals ? TimeSpan.FromSeconds(20) : null,
        };

        if (parse.Errors.Count > 0)
        {
            await parse.InvokeAsync(config, cancellationToken);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(config, cancellationToken);
    }

    public static RootCommand Build(CliEnvironment env)
    {
        var root = new RootCommand(
            "opsctl: the OpsConsole command line. It talks to OPSCONSOLE_URL (default http://localhost:5080) with the API key in OPSCONSOLE_API_KEY. " +
            "Exit codes: 0 ok, 1 refused by the server (its message is printed) or server unreachable, 2 bad usage.");
        root.Add(StatusCommand.Build(env));
        root.Add(TestFailureCommand.Build(env));
        root.Add(MonitorCommand.Build(env));
        root.Add(TasksCommands.Build(env));
        root.Add(AgentsCommands.BuildList(env));
        root.Add(AgentRunCommand.Build(env));
        return root;
    }

    /// <summary>Runs a command's body and turns what can go wrong into a message that says what to do, and an exit code.</summary>
    public static async Task<int> GuardAsync(CliEnvironment env, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        var style = new Style(env.Color && !Console.IsErrorRedirected);
        try
        {
            return await body();
        }
        catch (UsageException usage)
        {
            await env.Error.WriteLineAsync($"{style.Bad("error:")} {usage.Message}");
            return ExitCodes.Usage;
        }
        catch (ApiRefusedException refused)
        {
            await env.Error.WriteLineAsync($"{style.Bad($"refused ({refused.Status} {refused.Title}):")} {refused.Detail}");
            return ExitCodes.Refused;
        }
        catch (ServerUnreachableException unreachable)
        {
            await env.Error.WriteLineAsync($"{style.Bad("error:")} {unreachable.Message}");
            await env.Error.WriteLineAsync(unreachable.Advice);
            return ExitCodes.Refused;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl-C on a command that runs until stopped
        }
    }

    /// <summary>A client with the operator's API key; without one, says how to get one.</summary>
    public static OpsApi OperatorApi(CliEnvironment env)
    {
        var key = env.ApiKey ?? throw new UsageException(
            $"{CliEnvironment.ApiKeyVariable} is not set. Create an API key in the console (Admin: POST /api/v1/orchestration/api-keys/) " +
            $"or start the console with OpsConsole:Api:BootstrapKey, then: export {CliEnvironment.ApiKeyVariable}=<key>");
        return new OpsApi(env.Url, key);
    }
}
