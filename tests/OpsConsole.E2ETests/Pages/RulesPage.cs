using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/rules: the rule list, the editor with its backtest, and the preview form.</summary>
public sealed class RulesPage(IPage page) : ConsolePage(page)
{
    public ILocator Form => Page.GetByTestId("rule-form");

    public ILocator BacktestResult => Page.GetByTestId("backtest-result");

    public ILocator PreviewResult => Page.GetByTestId("preview-result");

    public Task OpenAsync() => NavigateAsync("rules");

    /// <summary>Opens the editor for a new rule and fills it (the JSON fields are committed by leaving them, as a person would).</summary>
    public async Task DraftAsync(string name, string conditions, string actions)
    {
        await Page.GetByRole(AriaRole.Button, new() { Name = "New rule" }).ClickAsync();
        await Expect(Form).ToBeVisibleAsync();
        var nameField = Form.GetByLabel("Name");
        await Expect(nameField).ToBeFocusedAsync();
        await nameField.FillAsync(name);
        await FillAndLeaveAsync(Form.GetByLabel("When (trigger_conditions, JSON object)"), conditions);
        await FillAndLeaveAsync(Form.GetByLabel("Then (actions, JSON object)"), actions);
        await Expect(nameField).ToHaveValueAsync(name);
    }

    public Task BacktestAsync() => Page.GetByTestId("rule-backtest").ClickAsync();

    public async Task PreviewAsync(string payload)
    {
        await FillAndLeaveAsync(Page.GetByTestId("preview-form").GetByLabel("Payload (JSON)"), payload);
        await Page.GetByTestId("preview-run").ClickAsync();
    }

    private static async Task FillAndLeaveAsync(ILocator field, string text)
    {
        await field.FillAsync(text);
        await field.PressAsync("Tab");
        await Expect(field).ToHaveValueAsync(text);
    }
}
