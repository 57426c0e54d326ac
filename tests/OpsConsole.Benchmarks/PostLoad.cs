using System.Text;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// <c>post [requests=1000]</c>: <c>POST tasks/</c> one after another over a real Kestrel port, against the built console as a
/// child process (Production, fresh data directory, the seeded agents): what a CI script or curl sees. OPSCONSOLE_APP_DLL
/// runs another build (a baseline) the same way, for a side-by-side comparison in one sitting. Both are measured once warm
/// (see <see cref="SteadyState"/>).
/// </summary>
public static class PostLoad
{
    public static async Task RunAsync(int requests)
    {
        var root = AppProcess.NewRoot();
        await using var node = await AppProcess.StartAsync(root, "post", new Dictionary<string, string?>
        {
            ["OpsConsole__Api__WritesPerMinute"] = "1000000", // load on purpose, not a runaway client
        });
        var client = node.Client;
        var body = """{"title":"Bench deploy failure","description":"x","task_type":"deployment","priority":"high"}""";
        async Task Post()
        {
            using var response = await client.PostAsync($"{AppProcess.Api}tasks/", Json(body));
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
        }

        var warmed = await SteadyState.WarmUpAsync(Post);
        Console.WriteLine(MachineSpeed.Describe("before the measured requests"));
        var samples = await SteadyState.TimeAsync(Post, requests);
        Console.WriteLine($"console: {AppProcess.AppDll()} (warmed up with {warmed} requests)");
        ApiLoad.Report("sequential POST /tasks/ over HTTP", samples);
        await node.StopAsync();
        Directory.Delete(root, recursive: true);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
