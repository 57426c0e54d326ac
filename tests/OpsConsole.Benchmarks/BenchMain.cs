using BenchmarkDotNet.Running;

namespace OpsConsole.Benchmarks;

/// <summary>dotnet run -c Release --project tests/OpsConsole.Benchmarks -- &lt;scorer | post | create | list | storm | agents | circuits | redact | contention | nodes | speed&gt; [count] [requests]</summary>
public static class BenchMain
{
    public static async Task Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "scorer":
                BenchmarkRunner.Run<ScorerBenchmarks>(args: args[1..]);
                break;
            case "post":
                await PostLoad.RunAsync(Count(args, 1, 1000));
                break;
            case "create":
                await ApiLoad.CreateAndAssignAsync(Count(args, 1, 100_000), Count(args, 2, 500));
                break;
            case "list":
                await ListLoad.RunAsync(Count(args, 1, 1_000_000), Count(args, 2, 200));
                break;
            case "storm":
                Environment.ExitCode = await FailureStorm.RunAsync(Count(args, 1, 10_000), Count(args, 2, 50), Count(args, 3, 500), Count(args, 4, 4));
                break;
            case "agents":
                await AgentLoad.RunAsync(Count(args, 1, 20), Count(args, 2, 1000), Count(args, 3, 8), Option(args, "--rate"));
                break;
            case "circuits":
                Environment.ExitCode = await CircuitLoad.RunAsync(Count(args, 1, 200), Count(args, 2, 4), args.Contains("--heap"), Viewport(args));
                break;
            case "speed":
                Console.WriteLine(MachineSpeed.Describe("now"));
                break;
            case "redact":
                RedactTiming.Run(Count(args, 1, 200_000));
                break;
            case "nodes":
                Environment.ExitCode = await NodesLoad.RunAsync(Count(args, 1, 600), Count(args, 2, 12), Count(args, 3, 16));
                break;
            case "contention":
                Environment.ExitCode = await ContentionLoad.RunAsync(Count(args, 1, 2000), Count(args, 2, 20), Count(args, 3, 16), Count(args, 4, 0), args.Contains("--one-node"));
                break;
            default:
                Console.WriteLine("usage: scorer | post [requests] | create [open-tasks] [requests] | list [tasks] [requests] | storm [failures] [fingerprints] [batch] [parallel] | agents [agents] [tasks] [concurrent-creators] [--rate tasks-per-second] | circuits [dashboards=200] [opened-at-once=4] [--heap] [--viewport WxH] | redact [largest=200000] | speed | contention [tasks=2000] [agents=20] [writers=16] [deadline-seconds] [--one-node] | nodes [tasks=600] [agents=12] [writers=16]");
                break;
        }
    }

    /// <summary>--viewport WxH, for the circuits benchmark's pages.</summary>
    private static (int, int)? Viewport(string[] args)
    {
        var at = Array.IndexOf(args, "--viewport");
        var parts = at >= 0 && at + 1 < args.Length ? args[at + 1].Split('x') : [];
        return parts.Length == 2 && int.TryParse(parts[0], out var w) && int.TryParse(parts[1], out var h) && w > 0 && h > 0 ? (w, h) : null;
    }

    /// <summary>The number after <paramref name="name"/> (e.g. --rate 150), or 0 when it is not given.</summary>
    private static int Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var n) && n > 0 ? n : 0;
    }

    private static int Count(string[] args, int index, int fallback) =>
        args.Length > index && int.TryParse(args[index], out var n) ? n : fallback;
}
