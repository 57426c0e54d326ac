using System.Collections.Concurrent;

namespace OpsConsole.Realtime;

/// <summary>
/// Which hub groups have a connection on this node, so the fan-out reads a task from the database only when someone will
/// receive it: with no dashboard script or agent listening (the usual case for a burst of API calls) an event costs nothing.
/// Every group change of <see cref="OrchestrationHub"/> goes through <see cref="Join"/> and <see cref="Leave"/>.
/// </summary>
public sealed class HubAudience
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> groupsOf = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>True when a connection of this node is in <paramref name="group"/>.</summary>
    public bool Has(string group) => members.TryGetValue(group, out var connections) && !connections.IsEmpty;

    public void Join(string connectionId, string group)
    {
        lock (gate)
        {
            members.GetOrAdd(group, _ => new(StringComparer.Ordinal))[connectionId] = 0;
            groupsOf.GetOrAdd(connectionId, _ => new(StringComparer.Ordinal))[group] = 0;
        }
    }

    public void Leave(string connectionId, string group)
    {
        lock (gate)
        {
            if (members.TryGetValue(group, out var connections) && connections.TryRemove(connectionId, out _) && connections.IsEmpty)
            {
                members.TryRemove(group, out _);
            }

            if (groupsOf.TryGetValue(connectionId, out var groups))
            {
                groups.TryRemove(group, out _);
            }
        }
    }

    /// <summary>A connection closed: it leaves every group it was in.</summary>
    public void Gone(string connectionId)
    {
        if (!groupsOf.TryRemove(connectionId, out var groups))
        {
            return;
        }

        foreach (var group in groups.Keys)
        {
            Leave(connectionId, group);
        }
    }
}
