using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.GitHub;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.IntegrationTests.GitHub;

/// <summary>GitHub issues as intake: a labelled issue becomes exactly one task, through the webhook and the poll, and follows its issue.</summary>
public sealed class GitHubIntakeTests(GitHubApp app) : IClassFixture<GitHubApp>
{
    private const string Label = "opsconsole:task";

    private Task<int> PollAsync() => app.Services.GetRequiredService<GitHubIntake>().PollAsync(CancellationToken.None);

    private async Task<List<WorkItem>> TasksOfIssueAsync(int number)
    {
        await using var db = await app.DbAsync();
        return await db.WorkItems.AsNoTracking().Where(w => w.GithubIssueNumber == number).ToListAsync();
    }

    [Fact]
    public async Task A_labelled_issue_seen_by_the_webhook_and_then_the_poll_becomes_one_task_with_its_title_body_type_and_priority_and_no_second_issue()
    {
        var issue = app.GitHub.AddIssue("Checkout button does nothing on Safari", "Steps: open /cart, press Checkout.", Label, "type:bug_fix", "priority:high");
        var issuesBefore = app.GitHub.Issues.Count;

        var opened = await app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue));
        var labeled = await app.PostAsync("issues", GitHubDeliveries.IssueEvent("labeled", issue, Label));
        await PollAsync();
        await app.DeliverAsync();

        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, labeled.StatusCode);
        var task = Assert.Single(await TasksOfIssueAsync(issue.Number));
        var wire = await app.TaskAsync(task.Id);
        Assert.Equal("github_issue", (string?)wire["source"]);
        Assert.Equal("Checkout button does nothing on Safari", (string?)wire["title"]);
        Assert.Equal("Steps: open /cart, press Checkout.", (string?)wire["description"]);
        Assert.Equal("bug_fix", (string?)wire["task_type"]);
        Assert.Equal("high", (string?)wire["priority"]);
        Assert.Equal(issue.Number, (int?)wire["github_issue_number"]);
        Assert.Equal("synced", (string?)wire["github_issue_state"]);
        Assert.Equal(issuesBefore, app.GitHub.Issues.Count); // no second issue opened for it
        Assert.Contains(app.GitHub.Issue(issue.Number).Comments, c => c.Contains(PullRequestReferences.BranchFor(task.Id), StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_issue_the_webhook_missed_is_taken_in_by_the_poll_and_a_late_webhook_adds_nothing()
    {
        var issue = app.GitHub.AddIssue("Nightly export is empty", "The CSV has only headers.", Label);
        var unlabelled = app.GitHub.AddIssue("Question about the API", "How do I page?");

        var created = await PollAsync();
        var late = await app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue));
        await PollAsync();

        Assert.True(created >= 1);
        Assert.Equal(HttpStatusCode.Accepted, late.StatusCode);
        var task = Assert.Single(await TasksOfIssueAsync(issue.Number));
        Assert.Equal(WorkItemKind.GithubIssue, task.Kind); // no type: label
        Assert.Equal(WorkItemPriority.Medium, task.Priority);
        Assert.Empty(await TasksOfIssueAsync(unlabelled.Number));
    }

    [Fact]
    public async Task The_webhook_twice_and_the_poll_at_the_same_moment_make_one_task()
    {
        var issue = app.GitHub.AddIssue("Race: three deliveries at once", "", Label, "priority:critical");

        var responses = await Task.WhenAll(
            app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue)),
            app.PostAsync("issues", GitHubDeliveries.IssueEvent("labeled", issue, Label)),
            PollAsync().ContinueWith(_ => new HttpResponseMessage(HttpStatusCode.Accepted), TaskScheduler.Default));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var task = Assert.Single(await TasksOfIssueAsync(issue.Number));
        Assert.Equal(WorkItemPriority.Critical, task.Priority);
    }

    [Fact]
    public async Task A_second_task_for_the_same_issue_is_refused_by_the_database()
    {
        var issue = app.GitHub.AddIssue("Only one task per issue", "", Label);
        await app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue));
        var first = Assert.Single(await TasksOfIssueAsync(issue.Number));

        await using var db = await app.DbAsync();
        db.WorkItems.Add(new WorkItem { Title = "copy", Kind = WorkItemKind.GithubIssue, Source = IssueIntake.Source, GithubIssueNumber = issue.Number, CreatedOn = first.CreatedOn });
        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
    }

    [Fact]
    public async Task Editing_the_issue_updates_its_task_and_closing_it_completes_the_task()
    {
        var issue = app.GitHub.AddIssue("Slow search", "Search takes 4 s.", Label);
        await app.PostAsync("issues", GitHubDeliveries.IssueEvent("opened", issue));
        var taskId = Assert.Single(await TasksOfIssueAsync(issue.Number)).Id;

        var edited = new FakeIssue { Number = issue.Number, Title = "Slow search on /products", Body = "Search takes 4 s at p95.", Labels = [Label, "priority:high"] };
        await app.PostAsync("issues", GitHubDeliveries.IssueEvent("edited", edited));
        await app.PostAsync("issues", GitHubDeliveries.IssueEvent("labeled", edited, "priority:high"));
        var afterEdit = await app.TaskAsync(taskId);
        edited.State = "closed";
        var closing = GitHubDeliveries.IssueEvent("closed", edited);
        closing["issue"]!["state_reason"] = "completed";
        await app.PostAsync("issues", closing);
        var afterClose = await app.TaskAsync(taskId);

        Assert.Equal("Slow search on /products", (string?)afterEdit["title"]);
        Assert.Equal("Search takes 4 s at p95.", (string?)afterEdit["description"]);
        Assert.Equal("high", (string?)afterEdit["priority"]);
        Assert.Equal("completed", (string?)afterClose["status"]);
        Assert.Single(await TasksOfIssueAsync(issue.Number));
    }

    [Fact]
    public async Task An_unsigned_issue_delivery_is_refused_and_takes_nothing_in()
    {
        var issue = app.GitHub.AddIssue("Unsigned", "", Label);
        issue.State = "closed"; // out of the poll's way: only the refused delivery could take it in
        var payload = GitHubDeliveries.IssueEvent("opened", issue);
        payload["issue"]!["state"] = "open";

        var response = await app.PostAsync("issues", payload, secret: "not the secret");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await TasksOfIssueAsync(issue.Number));
    }
}
