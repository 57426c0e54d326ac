using OpsConsole.IntegrationTests.Concurrency;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.Benchmarks;

/// <summary>
/// The consoles of a multi-node load driver: child processes on one root, started one after the other (the first creates
/// and migrates the database), each with the client the contention load drives it through; their own last words are
/// printed when a run cannot go on, and they are stopped together.
/// </summary>
internal sealed class BenchNodes : IAsyncDisposable
{
    private readonly List<AppProcess> nodes = [];
    private readonly List<ContentionNode> clients = [];

    public int Count => nodes.Count;

    public IReadOnlyList<ContentionNode> Clients => clients;

    public async Task<AppProcess> StartAsync(string root, string name, IReadOnlyDictionary<string, string?> settings)
    {
        var node = await AppProcess.StartAsync(root, name, settings);
        nodes.Add(node);
        clients.Add(new ContentionNode(name, node.BaseAddress, () => !node.HasExited));
        return node;
    }

    /// <summary>The nodes' last output (an exception, a refused start), then the error: what explains a run that could not go on.</summary>
    public void PrintFailure(Exception ex)
    {
        foreach (var node in nodes)
        {
            Console.Error.WriteLine($"--- {node.Name}, last output:\n{node.Tail(6000)}");
        }

        Console.Error.WriteLine(ex);
    }

    public async ValueTask DisposeAsync()
    {
        clients.ForEach(c => c.Dispose());
        await Task.WhenAll(nodes.Select(n => n.DisposeAsync().AsTask()));
        clients.Clear();
        nodes.Clear();
    }
}
