using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using OpsConsole.Domain;
using OpsConsole.Features.Health;
using OpsConsole.Realtime;
using OpsConsole.Security;

namespace OpsConsole.Components;

/// <summary>
/// A page that stays live: it subscribes to the in-process event stream, reloads at once on a change and coalesces a
/// burst into one reload at most every quarter second, re-reads what it shows through a short-lived context, and
/// renders with InvokeAsync. It reloads the same way when the database becomes unavailable or comes back, so what it
/// shows about the database (the health chip, the wall's banner) follows without waiting for the next change; and when the
/// link to the other nodes comes back after an outage (changes of the meantime never reached it).
/// </summary>
public abstract partial class LiveComponent : ComponentBase, IDisposable
{
    public static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(250);

    private IDisposable? subscription;
    private int refreshQueued;
    private long lastReload;

    [Inject] protected OpsEventStream Events { get; set; } = default!;
    [Inject] protected TimeProvider Time { get; set; } = default!;
    [Inject] protected AuthenticationStateProvider Authentication { get; set; } = default!;
    [Inject] protected DatabaseStatus Database { get; set; } = default!;

    protected DateTime Now => Time.GetUtcNow().UtcDateTime;

    protected string? LoadError { get; private set; }

    protected bool Loaded { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        await ReloadAsync();
        subscription = Events.Subscribe(e =>
        {
            if (IsRelevant(e))
            {
                QueueRefresh();
            }
        });
        Database.Changed += QueueRefresh;
        Events.Missed += QueueRefresh;
    }

    /// <summary>Which events make this page reload; every event by default.</summary>
    protected virtual bool IsRelevant(DomainEvent domainEvent) => true;

    /// <summary>Reads what the page shows.</summary>
    protected abstract Task LoadAsync();

    protected async Task ReloadAsync()
    {
        try
        {
            await LoadAsync();
            LoadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LoadError = ex.Message;
        }

        Loaded = true;
    }

    protected void QueueRefresh()
    {
        if (Interlocked.Exchange(ref refreshQueued, 1) == 1)
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            // The first change of a quiet spell shows at once; changes right after it wait for the rest of the quarter
            // second and are shown together, so a storm costs a page at most four reloads a second.
            var wait = Coalesce - Time.GetElapsedTime(Interlocked.Read(ref lastReload));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, Time);
            }

            Interlocked.Exchange(ref refreshQueued, 0);
            Interlocked.Exchange(ref lastReload, Time.GetTimestamp());
            await ReloadAsync();
            StateHasChanged();
        });
    }

    protected async Task<Actor> ActorAsync() => (await Authentication.GetAuthenticationStateAsync()).User.ToActor();

    /// <summary>
    /// Runs <paramref name="action"/> after the current event: a menu item that opens a confirmation dialog lets its menu
    /// close first instead of staying open behind the dialog.
    /// </summary>
    protected void Later(Func<Task> action) => _ = InvokeAsync(async () =>
    {
        try
        {
            await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LoadError = ex.Message;
            StateHasChanged();
        }
    });

    /// <summary>The signed-in user, for services that check the caller's role themselves.</summary>
    protected async Task<System.Security.Claims.ClaimsPrincipal> UserAsync() => (await Authentication.GetAuthenticationStateAsync()).User;

    public virtual void Dispose()
    {
        subscription?.Dispose();
        Database.Changed -= QueueRefresh;
        Events.Missed -= QueueRefresh;
        GC.SuppressFinalize(this);
    }
}
