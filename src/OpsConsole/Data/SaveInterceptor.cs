using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace OpsConsole.Data;

/// <summary>
/// A part of every save that a folder plugs into the context (<see cref="SaveInterceptors.AddSaveInterceptor{T}"/>):
/// the outbox, the audit trail, the events. One method per moment of the save instead of EF Core's pairs of synchronous and
/// asynchronous overrides; what it does is the same both ways.
/// </summary>
public abstract class SaveInterceptor : SaveChangesInterceptor
{
    /// <summary>Before the rows are written: the change tracker holds what this save writes.</summary>
    protected virtual void Saving(DbContext context)
    {
    }

    /// <summary>The rows are written (committed too, unless a unit of work's transaction is open).</summary>
    protected virtual void Saved(DbContext context)
    {
    }

    /// <summary>The save threw: nothing of it was written.</summary>
    protected virtual void Failed(DbContext context)
    {
    }

    /// <summary>
    /// The context's use ended (it goes back to the pool): drop whatever this part keeps for it, so the next use of the
    /// same context starts clean.
    /// </summary>
    public virtual void Forget(DbContext context)
    {
    }

    /// <summary>What this part keeps for <paramref name="context"/> (an <see cref="OpsDbContext"/>: every context of this app is one).</summary>
    protected T StateOf<T>(DbContext context)
        where T : class, new() => ((OpsDbContext)context).PartState<T>(this);

    /// <summary>What this part keeps for <paramref name="context"/>, null when it never kept anything there.</summary>
    protected T? FindStateOf<T>(DbContext context)
        where T : class => ((OpsDbContext)context).FindPartState<T>(this);

    /// <summary>The same three moments for a save the context writes itself (<see cref="RowUpdater"/>), in the same order.</summary>
    internal void OnSaving(DbContext context) => Saving(context);

    internal void OnSaved(DbContext context) => Saved(context);

    internal void OnFailed(DbContext context) => Failed(context);

    public sealed override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        if (eventData.Context is { } context)
        {
            Saving(context);
        }

        return result;
    }

    public sealed override ValueTask<InterceptionResult<int>> SavingChangesAsync(
        DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SavingChanges(eventData, result));

    public sealed override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context is { } context)
        {
            Saved(context);
        }

        return result;
    }

    public sealed override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(SavedChanges(eventData, result));

    public sealed override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        if (eventData.Context is { } context)
        {
            Failed(context);
        }
    }

    public sealed override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        SaveChangesFailed(eventData);
        return Task.CompletedTask;
    }
}

/// <summary>
/// When a plugged-in part runs within a save. Parts run by stage, then in the order they were registered, so each stage
/// sees what the stages before it did.
/// </summary>
public enum SaveStage
{
    /// <summary>Writes that belong with the change itself (rows derived from it, requests it makes of the entity).</summary>
    Derive,

    /// <summary>Records what the save writes (the audit trail), once every derived change is made.</summary>
    Record,

    /// <summary>Takes the entities' events, last, once nothing else can raise one (<see cref="DomainEventInterceptor"/>).</summary>
    Publish,
}

/// <summary>The seam through which other folders plug into every context this app creates, from their own <c>Add…</c>.</summary>
public static class SaveInterceptors
{
    /// <summary>Registers <typeparamref name="T"/> (a singleton) to run in every save at <paramref name="stage"/>; a second registration of the same type changes nothing.</summary>
    public static IServiceCollection AddSaveInterceptor<T>(this IServiceCollection services, SaveStage stage)
        where T : SaveInterceptor
    {
        if (services.Any(d => d.ServiceType == typeof(Registration) && d.ImplementationInstance is Registration r && r.Type == typeof(T)))
        {
            return services;
        }

        services.AddSingleton<T>();
        services.AddSingleton(new Registration(stage, typeof(T)));
        return services;
    }

    /// <summary>The registered parts in the order they run.</summary>
    public static IEnumerable<SaveInterceptor> Resolve(IServiceProvider services) =>
        services.GetServices<Registration>()
            .OrderBy(r => r.Stage) // stable: within a stage, the order of registration
            .Select(r => (SaveInterceptor)services.GetRequiredService(r.Type));

    private sealed record Registration(SaveStage Stage, Type Type);
}
