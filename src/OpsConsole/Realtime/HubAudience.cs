using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.Security;

namespace OpsConsole.Realtime;

/// <summary>
/// Which hub groups have a connection on this node, so the fan-out reads a task from the database only when someone will
/// receive it: with no dashboard script or agent listening (the usual case for a burst of API calls) an event costs nothing.
/// Every group change of <see cref="OrchestrationHub"/> goes through <see cref="Join"/> and <see cref="Leave"/>. It also knows
/// who each open connection signed in as, so a revoked credential's connections close at once (<see cref="CredentialCache.Revoked"/>).
/// </summary>
public sealed class HubAudience
{
    private readonly ConcurrentDictionary<string, HubCallerContext> open = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> members = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> groupsOf = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    private readonly bool clustered;

    public HubAudience(CredentialCache credentials, ClusterSettings cluster)
    {
        clustered = cluster.IsClustered;
        credentials.Revoked += c => Close(c);
    }

    /// <summary>A connection opened: it can be closed when its credential is revoked.</summary>
    public void Connected(HubCallerContext context) => open[context.ConnectionId] = context;

    /// <summary>Closes every connection of this node signed in with <paramref name="credential"/>; the count closed.</summary>
    public int Close(RevokedCredential credential)
    {
        var closing = open.Values.Where(c => credential.Matches(c.User)).ToList();
        foreach (var context in closing)
        {
            context.Abort();
        }

        return closing.Count;
    }

    /// <summary>
    /// The connections in <paramref name="group"/> of agents other than <paramref name="holder"/>: an agent that lost a task
    /// (reassigned, released, timed out) stops following it.
    /// </summary>
    public IReadOnlyList<string> OtherAgentsIn(string group, Guid? holder) =>
        members.TryGetValue(group, out var connections)
            ? connections.Keys.Where(id => open.TryGetValue(id, out var c)
                && Guid.TryParse(c.User?.FindFirst(OpsClaims.AgentId)?.Value, out var agentId) && agentId != holder).ToList()
            : [];

    /// <summary>
    /// True when a connection of this node is in <paramref name="group"/>; always when scaled out, since a connection of
    /// another node may be (the backplane carries the message there).
    /// </summary>
    public bool Has(string group) => clustered || HasHere(group);

    /// <summary>The open connections of this node: those of agents, and those of every other client (API keys, people).</summary>
    public (int Agents, int Clients) OpenConnections()
    {
        var all = open.Values; // one snapshot, so the two counts add up
        var agents = all.Count(c => c.User?.IsInRole(OpsRoles.Agent) == true);
        return (agents, all.Count - agents);
    }

    /// <summary>True when a connection of this node is in <paramref name="group"/>.</summary>
    public bool HasHere(string group) => members.TryGetValue(group, out var connections) && !connections.IsEmpty;

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
        open.TryRemove(connectionId, out _);
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
