using System.Text.Json.Nodes;
using OpsConsole.E2ETests.Infrastructure;
using OpsConsole.E2ETests.Pages;
using static Microsoft.Playwright.Assertions;

namespace OpsConsole.E2ETests;

/// <summary>The pull-request loop seen in the browser: a pull request and its checks appear on the open task page live.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class PullRequestTests(ConsoleFixture console)
{
    [Fact]
    public async Task A_pull_request_on_the_tasks_branch_and_its_failing_checks_appear_on_the_open_task_page_without_reload()
    {
        var title = $"Flaky checkout total {Guid.NewGuid().ToString("N")[..6]}";
        var id = (string)(await console.Api.CreateTaskAsync(title, taskType: "bug_fix"))["id"]!;
        await using var context = await console.SignedInContextAsync();
        var detail = new TaskDetailPage(await context.NewPageAsync());
        await detail.OpenAsync(id);
        await Expect(detail.PullRequests).ToContainTextAsync($"opsconsole/{Guid.Parse(id):N}");
        await detail.MarkDocumentAsync();
        var sha = Guid.NewGuid().ToString("N") + "0123abcd";
        var number = Random.Shared.Next(100, 100_000);

        await console.Api.DeliverWebhookAsync("pull_request", new JsonObject
        {
            ["action"] = "opened",
            ["number"] = number,
            ["pull_request"] = new JsonObject
            {
                ["number"] = number,
                ["title"] = "Round totals half-even",
                ["body"] = "Work for the task.",
                ["html_url"] = $"https://github.com/acme/shop/pull/{number}",
                ["state"] = "open",
                ["draft"] = false,
                ["merged"] = false,
                ["head"] = new JsonObject { ["sha"] = sha, ["ref"] = $"opsconsole/{Guid.Parse(id):N}" },
            },
            ["sender"] = new JsonObject { ["login"] = "copilot" },
        });
        await Expect(detail.PullRequest(number)).ToContainTextAsync("Round totals half-even");
        await Expect(detail.PullRequest(number).GetByTestId("pr-state")).ToHaveTextAsync("open");
        await Expect(detail.PullRequest(number).GetByTestId("pr-checks")).ToContainTextAsync("none yet");

        await console.Api.DeliverWebhookAsync("workflow_run", new JsonObject
        {
            ["action"] = "completed",
            ["workflow_run"] = new JsonObject
            {
                ["id"] = number + 1_000_000,
                ["name"] = "Unit tests",
                ["head_sha"] = sha,
                ["conclusion"] = "failure",
                ["status"] = "completed",
                ["run_attempt"] = 1,
                ["html_url"] = $"https://github.com/acme/shop/actions/runs/{number + 1_000_000}",
            },
        });

        await Expect(detail.PullRequest(number).GetByTestId("pr-checks")).ToContainTextAsync("failure");
        await Expect(detail.PullRequest(number)).ToContainTextAsync("Unit tests");
        await Expect(detail.PullRequest(number)).ToContainTextAsync("CI feedback 1 of 3");
        Assert.True(await detail.IsSameDocumentAsync(), "the task page reloaded instead of updating live");
        var task = await console.Api.GetTaskAsync(id);
        Assert.Equal("failure", (string?)task["pull_requests"]![0]!["checks"]);
        await Screenshots.SaveAsync(detail.Page, "task-pull-request");
    }
}
