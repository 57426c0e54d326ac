using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>The Rules page: a draft rule backtested in the editor before it is saved, and a payload previewed.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class RulesPageTests(ConsoleFixture console)
{
    [Fact]
    public async Task Administrator_backtests_a_draft_rule_and_previews_a_task_without_saving_anything()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        await using var context = await console.SignedInContextAsync();
        var page = await context.NewPageAsync();
        var rules = new RulesPage(page);
        await rules.OpenAsync();

        await rules.DraftAsync($"draft {suffix}", "{\"task_type\": \"deployment\"}", "{\"min_priority\": \"critical\"}");
        await rules.BacktestAsync();

        await Expect(rules.BacktestResult).ToContainTextAsync("Backtest: matched");
        await Expect(page.GetByTestId("rule-row").Filter(new() { HasText = $"draft {suffix}" })).ToHaveCountAsync(0);
        await Screenshots.SaveAsync(page, "rules-backtest");

        await rules.PreviewAsync($"{{\"task\": {{\"title\": \"preview {suffix}\", \"task_type\": \"bug_fix\", \"priority\": \"high\"}}}}");

        await Expect(rules.PreviewResult).ToContainTextAsync("Outcome: create");
        await Expect(page.GetByTestId("preview-plan").First).ToBeVisibleAsync();
        await Expect(page.GetByTestId("preview-candidate").First).ToBeVisibleAsync();
        await Screenshots.SaveAsync(page, "rules-preview");
    }
}
