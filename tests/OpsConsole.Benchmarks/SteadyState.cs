using System.Diagnostics;

namespace OpsConsole.Benchmarks;

/// <summary>
/// Measures a request the way a server is judged: after warming up. .NET compiles hot code again, optimized, in the
/// background for the first thousand or so requests (tiered compilation); a latency benchmark that starts before that
/// settles mostly measures the JIT. Django, the system this replaces, has no such phase after its first requests.
/// </summary>
public static class SteadyState
{
    private const int Round = 250;

    /// <summary>Sends rounds of <paramref name="request"/> until the median stops improving; the number of requests it took.</summary>
    public static async Task<int> WarmUpAsync(Func<Task> request)
    {
        var best = double.MaxValue;
        var stale = 0;
        var sent = 0;
        while (stale < 2 && sent < 40 * Round)
        {
            var round = await TimeAsync(request, Round);
            sent += Round;
            round.Sort();
            var median = round[Round / 2];
            stale = median < best * 0.97 ? 0 : stale + 1;
            best = Math.Min(best, median);
        }

        return sent;
    }

    /// <summary>
    /// Runs rounds of a whole load (round 1, 2, …; each returns its throughput) until the throughput stops improving (two
    /// rounds in a row without 3% more than the best), at least <paramref name="minRounds"/> and at most
    /// <paramref name="maxRounds"/>. True when it settled, false when the rounds ran out first (the measured round then still
    /// runs while the JIT compiles). The minimum is there because the first rounds can plateau too: while tiered compilation
    /// is busy, three rounds in a row can give the same cold throughput.
    /// </summary>
    public static async Task<bool> WarmUpRoundsAsync(Func<int, Task<double>> round, int maxRounds, int minRounds = 1)
    {
        var best = 0.0;
        var stale = 0;
        for (var n = 1; n <= maxRounds; n++)
        {
            var rate = await round(n);
            stale = rate > best * 1.03 ? 0 : stale + 1;
            best = Math.Max(best, rate);
            if (stale >= 2 && n >= minRounds)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Each request's time in milliseconds, one after another.</summary>
    public static async Task<List<double>> TimeAsync(Func<Task> request, int requests)
    {
        var samples = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            await request();
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return samples;
    }
}
