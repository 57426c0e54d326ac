using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace OpsConsole.Components;

/// <summary>
/// After a navigation, moves focus to the new page's heading (so a screen reader announces where one is), as Blazor's
/// FocusOnNavigate does, except when the person has already moved focus into the new page's content. The focus call goes
/// out once the browser has acknowledged the first render of the page, which under load is after the page has finished
/// loading: with FocusOnNavigate, someone who had already tabbed to a field and typed lost the focus to the heading, and the
/// Enter that followed did nothing.
/// </summary>
public sealed class FocusHeadingOnNavigate : ComponentBase
{
    private Type? lastPage;
    private IReadOnlyDictionary<string, object?>? lastValues;
    private bool focusAfterRender;

    [Parameter, EditorRequired] public Microsoft.AspNetCore.Components.RouteData RouteData { get; set; } = default!;

    /// <summary>What to focus: the first element that matches.</summary>
    [Parameter] public string Selector { get; set; } = "h1";

    [Inject] private IJSRuntime Js { get; set; } = default!;

    protected override void OnParametersSet()
    {
        if (RouteData.PageType != lastPage || lastValues is null || !RouteData.RouteValues.SequenceEqual(lastValues))
        {
            (lastPage, lastValues, focusAfterRender) = (RouteData.PageType, RouteData.RouteValues, true);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!focusAfterRender)
        {
            return;
        }

        focusAfterRender = false;
        try
        {
            await Js.InvokeVoidAsync("opsFocusHeading", Selector);
        }
        catch (JSDisconnectedException)
        {
            // The page is gone; nothing to focus.
        }
    }
}
