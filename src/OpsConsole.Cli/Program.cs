namespace OpsConsole.Cli;

/// <summary>opsctl: the OpsConsole command line (dotnet run --project src/OpsConsole.Cli -- &lt;command&gt;).</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => CliApp.RunAsync(args, CliEnvironment.FromProcess(), CancellationToken.None);
}
