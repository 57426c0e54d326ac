using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Domain;

namespace OpsConsole.Components;

/// <summary>What a person does on a live page: one way to run an action, say how it went, and ask before a change for good.</summary>
public abstract partial class LiveComponent
{
    [Inject] protected ISnackbar Snackbar { get; set; } = default!;

    [Inject] protected IDialogService Dialogs { get; set; } = default!;

    /// <summary>An action is running: the page's buttons are disabled until it is done.</summary>
    protected bool Busy { get; private set; }

    /// <summary>
    /// Runs what a person asked for: the page is <see cref="Busy"/> meanwhile; a refusal is shown as a warning (or as
    /// <paramref name="refused"/> shows it); then the page reads again what it shows, unless <paramref name="reload"/> is
    /// false. True when the action went through.
    /// </summary>
    protected async Task<bool> ActAsync(Func<Task> action, Action<RefusedException>? refused = null, bool reload = true)
    {
        Busy = true;
        try
        {
            await action();
            return true;
        }
        catch (RefusedException ex)
        {
            (refused ?? Warn)(ex);
            return false;
        }
        finally
        {
            Busy = false;
            if (reload)
            {
                await ReloadAsync();
            }
        }
    }

    /// <summary>A refusal as the pages show it: its message, as a warning.</summary>
    protected void Warn(RefusedException refusal) => Snackbar.Add(refusal.Message, Severity.Warning);

    /// <summary>Asks before a change that cannot be taken back (or hurts if done by mistake); true when the person said yes.</summary>
    protected async Task<bool> ConfirmAsync(string title, string text, string yes, string cancel) =>
        await Dialogs.ShowMessageBoxAsync(title, text, yesText: yes, cancelText: cancel) == true;
}
