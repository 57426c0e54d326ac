using System.Diagnostics;
using System.Text;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// <c>post [requests=1000]</c>: <c>POST tasks/</c> one after another over a real Kestrel port, against the built console as a
/// child process (Production, fresh data directory, the seeded agents): what a CI script or curl sees. OPSCONSOLE_APP_DLL
/// runs another build (a baseline) the same way, for a side-by-side comparison in one sitting. Both are measured once warm
/// (see <see cref="WarmUpAsync"/>).
/// </summary>
public static class PostLoad
{
    public static async Task RunAsync(int requests)
    {
        var root = AppProcess.NewRoot();
        await using var node = await AppProcess.StartAsync(root, "post");
        var client = node.Client;
        var body = """{"title":"Bench deploy failure","description":"x","task_type":"deployment","priority":"high"}""";
        var warmed = await WarmUpAsync(client, body);
        var samples = await TimeAsync(client, body, requests);
        Console.WriteLine($"console: {AppProcess.AppDll()} (warmed up with {warmed} requests)");
        ApiLoad.Report("sequential POST /tasks/ over HTTP", samples);
        await node.StopAsync();
        Directory.Delete(root, recursive: true);
    }

    /// <summary>
    /// Posts in rounds until the median stops improving: .NET compiles hot code again, optimized, in the background for the
    /// first thousand or so requests (tiered compilation), and a server is judged by what it does after that, as a Django
    /// process is after its first requests. The number of requests it took is printed with the result.
    /// </summary>
    private static async Task<int> WarmUpAsync(HttpClient client, string body)
    {
        const int Round = 250;
        var best = double.MaxValue;
        var stale = 0;
        var sent = 0;
        while (stale < 2 && sent < 40 * Round)
        {
            var round = await TimeAsync(client, body, Round);
            sent += Round;
            round.Sort();
            var median = round[Round / 2];
            stale = median < best * 0.97 ? 0 : stale + 1;
            best = Math.Min(best, median);
        }

        return sent;
    }

    private static async Task<List<double>> TimeAsync(HttpClient client, string body, int requests)
    {
        var samples = new List<double>(requests);
        for (var i = 0; i < requests; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await client.PostAsync($"{AppProcess.Api}tasks/", Json(body));
            await response.Content.ReadAsByteArrayAsync();
            samples.Add(watch.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }

        return samples;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
