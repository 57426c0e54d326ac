using AngleSharp.Dom;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace OpsConsole.UnitTests.TestSupport;

/// <summary>Finds a MudBlazor input the way a person does: by the label shown next to it.</summary>
public static class FormFields
{
    public static IElement Field<T>(this IRenderedComponent<T> page, string label)
        where T : IComponent
    {
        var found = page.FindAll("label").FirstOrDefault(l => l.TextContent.Trim().TrimEnd('*').StartsWith(label, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No field labelled '{label}' in: {page.Markup}");
        var id = found.GetAttribute("for");
        return id is not null && page.FindAll($"[id='{id}']").FirstOrDefault() is { } input
            ? input
            : found.ParentElement!.QuerySelector("input, textarea") ?? throw new InvalidOperationException($"No input for '{label}'");
    }

    /// <summary>The error text MudBlazor shows under the field labelled <paramref name="label"/>.</summary>
    public static string FieldError<T>(this IRenderedComponent<T> page, string label)
        where T : IComponent
    {
        var input = page.Field(label);
        var control = input.Closest(".mud-input-control") ?? throw new InvalidOperationException($"'{label}' is not in an input control");
        return control.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";
    }

    public static void Click<T>(this IRenderedComponent<T> page, string buttonText)
        where T : IComponent =>
        page.FindAll("button").First(b => b.TextContent.Trim().Equals(buttonText, StringComparison.OrdinalIgnoreCase)).Click();
}
