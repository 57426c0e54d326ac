using System.Runtime.CompilerServices;
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
    private readonly ConditionalWeakTable<DbContext, List<DomainEvent>> saving = new();
    private readonly ConditionalWeakTable<DbContext, List<DomainEvent>> uncommitted = new();
    private readonly ConditionalWeakTable<DbContext, List<Action>> afterCommit = new();

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
            afterCommit.GetOrCreateValue(context).Add(action);
        }
    }

    /// <summary>The unit of work over <paramref name="context"/> committed: its saved events go out, in the order they were raised.</summary>
    public void PublishCommitted(DbContext context)
    {
        if (uncommitted.TryGetValue(context, out var events))
        {
            uncommitted.Remove(context);
            Publish(events);
        }

        if (afterCommit.TryGetValue(context, out var actions))
        {
            afterCommit.Remove(context);
            foreach (var action in actions.Distinct())
            {
                action();
            }
        }
    }

    /// <summary>The unit of work over <paramref name="context"/> rolled back: what it saved never happened.</summary>
    public void DiscardUncommitted(DbContext context)
    {
        uncommitted.Remove(context);
        afterCommit.Remove(context);
    }

    /// <summary>A context's use ended: what it saved and never committed or discarded is dropped with it.</summary>
    public override void Forget(DbContext context)
    {
        saving.Remove(context);
        uncommitted.Remove(context);
        afterCommit.Remove(context);
    }

    protected override void Saving(DbContext context)
    {
        var collected = new List<DomainEvent>();
        foreach (var entry in context.ChangeTracker.Entries<Entity>())
        {
            collected.AddRange(entry.Entity.Events);
            entry.Entity.ClearEvents();
        }

        saving.AddOrUpdate(context, collected);
    }

    protected override void Saved(DbContext context)
    {
        if (!saving.TryGetValue(context, out var collected))
        {
            return;
        }

        saving.Remove(context);
        if (context.Database.CurrentTransaction is null)
        {
            Publish(collected);
        }
        else
        {
            uncommitted.GetOrCreateValue(context).AddRange(collected);
        }
    }

    protected override void Failed(DbContext context) => saving.Remove(context);

    private void Publish(List<DomainEvent> events)
    {
        foreach (var e in events.Distinct())
        {
            sink.Publish(e);
        }
    }
}
