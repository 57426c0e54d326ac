using Microsoft.Playwright;

namespace OpsConsole.E2ETests.Pages;

/// <summary>/tasks/{id}: details, actions, assignments, attempts, messages and timeline of one task.</summary>
public sealed class TaskDetailPage(IPage page) : ConsolePage(page)
{
    public ILocator Priority => Page.GetByTestId("priority");

    public ILocator Status => Page.GetByTestId("status");

    public ILocator NextStep => Page.GetByTestId("next-step");

    public ILocator EscalationReason => Page.GetByTestId("escalation-reason").Locator("xpath=descendant-or-self::input");

    public ILocator Timeline => Page.Locator(".mud-timeline");

    public ILocator PullRequests => Page.GetByTestId("pull-requests");

    public ILocator PullRequest(int number) => Page.Locator($"[data-testid=pull-request][data-number='{number}']");

    public ILocator Messages => Page.GetByTestId("messages");

    public ILocator MessageText => Page.GetByTestId("message-text").Locator("xpath=descendant-or-self::input");

    public ILocator SendMessage => Page.GetByTestId("message-send");

    public Task OpenAsync(string taskId) => NavigateAsync($"tasks/{taskId}");

    public async Task EscalateAsync(string reason)
    {
        await EscalationReason.FillAsync(reason);
        await Page.GetByTestId("escalate").ClickAsync();
    }
}
