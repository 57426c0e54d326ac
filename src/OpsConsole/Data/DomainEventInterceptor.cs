using Microsoft.EntityFrameworkCore;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>Where committed domain events go (the real-time event bus); Data knows only this seam.</summary>
public interface IDomainEventSink
{
    void Publish(DomainEvent domainEvent);
}

/// <summary>
/// Collects the events raised by entities while saving and publishes them only once they are committed: at once for a
/// save that is its own transaction, or when the unit of work commits (<see cref="PublishCommitted"/>) for a save inside
/// one. A unit of work that rolls back, or runs again after a conflict, publishes nothing of that try.
/// </summary>
public sealed class DomainEventInterceptor(IDomainEventSink sink) : SaveInterceptor
{
    /// <summary>
    /// Runs <paramref name="action"/> once what <paramref name="context"/> saved is committed: now when the save was its own
    /// transaction, when the unit of work commits otherwise, never when it rolls back (waking a job that reads the rows).
    /// </summary>
    public void AfterCommit(DbContext context, Action action)
    {
        if (context.Database.CurrentTransaction is null)
        {
            action();
        }
        else
        {
            StateOf<Held>(context).AfterCommit.Add(action);
        }
    }

    /// <summary>The unit of work over <paramref name="context"/> committed: its saved events go out, in the order they were raised.</summary>
    public void PublishCommitted(DbContext context)
    {
        if (FindStateOf<Held>(context) is not { } held)
        {
            return;
        }

        Publish(held.Uncommitted);
        held.Uncommitted.Clear();
        if (held.AfterCommit.Count > 0)
        {
            var actions = held.AfterCommit.Distinct().ToList();
            held.AfterCommit.Clear();
            foreach (var action in actions)
            {
                action();
            }
        }
    }

    /// <summary>The unit of work over <paramref name="context"/> rolled back: what it saved never happened.</summary>
    public void DiscardUncommitted(DbContext context)
    {
        if (FindStateOf<Held>(context) is { } held)
        {
            held.Uncommitted.Clear();
            held.AfterCommit.Clear();
        }
    }

    /// <summary>A context's use ended: what it saved and never committed or discarded is dropped with it.</summary>
    public override void Forget(DbContext context) => FindStateOf<Held>(context)?.Clear();

    protected override void Saving(DbContext context)
    {
        var held = StateOf<Held>(context);
        held.Saving.Clear();
        foreach (var entry in context.ChangeTracker.Entries<Entity>())
        {
            held.Saving.AddRange(entry.Entity.Events);
            entry.Entity.ClearEvents();
        }
    }

    protected override void Saved(DbContext context)
    {
        if (FindStateOf<Held>(context) is not { } held)
        {
            return;
        }

        if (context.Database.CurrentTransaction is null)
        {
            Publish(held.Saving);
        }
        else
        {
            held.Uncommitted.AddRange(held.Saving);
        }

        held.Saving.Clear();
    }

    protected override void Failed(DbContext context) => FindStateOf<Held>(context)?.Saving.Clear();

    private void Publish(List<DomainEvent> events)
    {
        foreach (var e in events.Distinct())
        {
            sink.Publish(e);
        }
    }

    /// <summary>What one context holds between the moments of its saves and its commit.</summary>
    private sealed class Held
    {
        /// <summary>The events taken by the save under way (empty between saves).</summary>
        public List<DomainEvent> Saving { get; } = [];

        /// <summary>Saved inside the unit of work's transaction, published when it commits.</summary>
        public List<DomainEvent> Uncommitted { get; } = [];

        public List<Action> AfterCommit { get; } = [];

        public void Clear()
        {
            Saving.Clear();
            Uncommitted.Clear();
            AfterCommit.Clear();
        }
    }
}
