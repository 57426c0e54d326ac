using Microsoft.AspNetCore.Components.Server.Circuits;

namespace OpsConsole.Realtime;

/// <summary>How many Blazor circuits (open console pages: dashboards, wall screens) this node holds now.</summary>
public sealed class LiveCircuits
{
    private int open;

    public int Open => Volatile.Read(ref open);

    /// <summary>One per circuit (a scoped circuit handler): counts its circuit in while it is open.</summary>
    public sealed class Tracker(LiveCircuits circuits) : CircuitHandler
    {
        public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref circuits.open);
            return Task.CompletedTask;
        }

        public override Task OnCircuitClosedAsync(Circuit circuit, CancellationToken cancellationToken)
        {
            Interlocked.Decrement(ref circuits.open);
            return Task.CompletedTask;
        }
    }
}
