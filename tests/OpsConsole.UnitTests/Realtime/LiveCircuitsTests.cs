using OpsConsole.Realtime;

namespace OpsConsole.UnitTests.Realtime;

public sealed class LiveCircuitsTests
{
    [Fact]
    public async Task Open_circuits_are_those_opened_and_not_closed_yet()
    {
        var circuits = new LiveCircuits();
        var (first, second) = (new LiveCircuits.Tracker(circuits), new LiveCircuits.Tracker(circuits));

        await first.OnCircuitOpenedAsync(null!, CancellationToken.None);
        await second.OnCircuitOpenedAsync(null!, CancellationToken.None);
        Assert.Equal(2, circuits.Open);

        await first.OnCircuitClosedAsync(null!, CancellationToken.None);
        Assert.Equal(1, circuits.Open);
    }
}
