using System.Threading.Channels;
using OpsConsole.Data;
using OpsConsole.Domain;

namespace OpsConsole.Realtime;

/// <summary>The one channel committed changes go through on their way to circuits and hub clients.</summary>
public sealed class OpsEvents : IDomainEventSink
{
    private readonly Channel<DomainEvent> channel = Channel.CreateBounded<DomainEvent>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Publish(DomainEvent domainEvent) => channel.Writer.TryWrite(domainEvent);

    internal ChannelReader<DomainEvent> Reader => channel.Reader;
}

/// <summary>
/// The in-process stream that Blazor circuits subscribe to. Subscribers get every event; they coalesce and
/// re-read what they show. Handlers run on the fan-out loop, so they must be quick (typically InvokeAsync).
/// </summary>
public sealed class OpsEventStream
{
    private readonly Lock gate = new();
    private Action<DomainEvent>[] subscribers = [];

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
                logger.LogWarning(ex, "An event subscriber failed on {Event}", domainEvent);
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
