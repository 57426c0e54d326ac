using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>Moving through a page the way a keyboard user does: Tab (or Shift+Tab) until the wanted control has focus.</summary>
public static class Keyboard
{
    /// <summary>
    /// Presses Tab (or Shift+Tab) until <paramref name="isTarget"/> — a JavaScript function of the focused element and
    /// <paramref name="argument"/> — holds; fails naming the last focused element when it is not reached in
    /// <paramref name="maxPresses"/> presses.
    /// </summary>
    public static async Task TabToAsync(IPage page, string isTarget, string? argument = null, bool backwards = false, int maxPresses = 60)
    {
        var check = $"arg => {{ const e = document.activeElement; return !!e && e !== document.body && ({isTarget})(e, arg); }}";
        for (var i = 0; i <= maxPresses; i++)
        {
            if (await page.EvaluateAsync<bool>(check, argument))
            {
                return;
            }

            await page.Keyboard.PressAsync(backwards ? "Shift+Tab" : "Tab");
        }

        var last = await page.EvaluateAsync<string>("() => { const e = document.activeElement; return e ? `${e.tagName} ${e.textContent?.trim().slice(0, 60)}` : 'nothing'; }");
        throw new InvalidOperationException($"Not reached with {maxPresses} presses of {(backwards ? "Shift+Tab" : "Tab")} ({isTarget}); focus ended on {last}.");
    }

    public const string NavLink = "(e, text) => e.matches('a.mud-nav-link') && e.textContent.trim() === text";

    public const string LinkNamed = "(e, text) => e.tagName === 'A' && e.textContent.trim() === text";

    public const string ButtonNamed = "(e, text) => e.tagName === 'BUTTON' && e.textContent.trim() === text && !e.closest('.mud-dialog')";

    public const string DialogButtonNamed = "(e, text) => e.tagName === 'BUTTON' && e.textContent.trim() === text && !!e.closest('.mud-dialog')";

    public const string FieldLabelled = "(e, text) => e.tagName === 'INPUT' && !!e.closest('.mud-input-control')?.querySelector('label')?.textContent.includes(text)";

    public const string RowCheckbox = "(e, text) => e.type === 'checkbox' && !!e.closest('tr')?.textContent.includes(text)";

    public const string InsideTestId = "(e, id) => !!e.closest(`[data-testid=\"${id}\"]`)";
}
