using System.Threading.Channels;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Realtime;

/// <summary>
/// The one channel committed changes go through on their way to circuits and hub clients: this node's own commits, and
/// (scaled out) other nodes' commits relayed by <see cref="ClusterBus"/>.
/// </summary>
public sealed class OpsEvents : IDomainEventSink
{
    private readonly Channel<CommittedEvent> channel = Channel.CreateBounded<CommittedEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Publish(DomainEvent domainEvent) => channel.Writer.TryWrite(new CommittedEvent(domainEvent, FromAnotherNode: false));

    /// <summary>A change another node committed: this node's pages hear it; its hub clients hear it from that node.</summary>
    public void PublishFromAnotherNode(DomainEvent domainEvent) => channel.Writer.TryWrite(new CommittedEvent(domainEvent, FromAnotherNode: true));

    internal ChannelReader<CommittedEvent> Reader => channel.Reader;
}

public readonly record struct CommittedEvent(DomainEvent Event, bool FromAnotherNode);

/// <summary>
/// The in-process stream that Blazor circuits subscribe to. Subscribers get every event; they coalesce and
/// re-read what they show. Handlers run on the fan-out loop, so they must be quick (typically InvokeAsync).
/// </summary>
public sealed class OpsEventStream
{
    private readonly Lock gate = new();
    private Action<DomainEvent>[] subscribers = [];

    /// <summary>
    /// Changes may have been missed (the link to the other nodes was down and is back): every page re-reads what it shows,
    /// whatever it filters on.
    /// </summary>
    public event Action? Missed;

    public void ChangesMayHaveBeenMissed() => Missed?.Invoke();

    public IDisposable Subscribe(Action<DomainEvent> handler)
    {
        lock (gate)
        {
            subscribers = [.. subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    internal void Dispatch(DomainEvent domainEvent, ILogger logger)
    {
        foreach (var handler in subscribers)
        {
            try
            {
                handler(domainEvent);
            }
            catch (Exception ex)
            {
                RealtimeLog.SubscriberFailed(logger, ex, domainEvent);
            }
        }
    }

    private void Unsubscribe(Action<DomainEvent> handler)
    {
        lock (gate)
        {
            subscribers = [.. subscribers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(OpsEventStream stream, Action<DomainEvent> handler) : IDisposable
    {
        public void Dispose() => stream.Unsubscribe(handler);
    }
}
