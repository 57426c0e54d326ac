using System.Diagnostics;

namespace OpsConsole.Benchmarks;

/// <summary>
/// How fast this machine is running right now: a fixed piece of CPU work (sorting the same million integers on one thread),
/// best of three. The load average says how many threads wanted a core; it does not show a host that runs this machine's
/// cores slower for a while (another tenant on the same hardware), and in such a spell every figure of a load benchmark moves
/// with it. Printed beside a load benchmark's figures, it tells a quiet machine from a slow spell.
/// </summary>
public static class MachineSpeed
{
    private const int Count = 1_000_000;
    private static readonly int[] Source = MakeSource();

    /// <summary>Milliseconds the sort took, best of three.</summary>
    public static double Measure()
    {
        var work = new int[Count];
        var best = double.MaxValue;
        for (var trial = 0; trial < 3; trial++)
        {
            Source.CopyTo(work, 0);
            var watch = Stopwatch.StartNew();
            Array.Sort(work);
            best = Math.Min(best, watch.Elapsed.TotalMilliseconds);
        }

        return best;
    }

    /// <summary>A line for a benchmark's output: the sort's time now, and what it takes on the development machine at its usual speed.</summary>
    public static string Describe(string when) =>
        $"machine speed {when}: sorting a million integers took {Measure():F1} ms, best of 3 (60–70 ms on the project's 2-core " +
        "development machine at its usual speed; on one machine, a higher figure than usual means a slow spell of the host, and every figure of the run moves with it)";

    private static int[] MakeSource()
    {
        var random = new Random(20261207);
        var values = new int[Count];
        for (var i = 0; i < Count; i++)
        {
            values[i] = random.Next();
        }

        return values;
    }
}
