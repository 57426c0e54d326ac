using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>List envelope, page sizes and links, default and requested ordering, and filters (each test finds its own tasks by a tag).</summary>
public sealed class PagingAndOrderingTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private async Task<List<Guid>> CreateManyAsync(string tag, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(Id(await admin.CreateTaskAsync($"page {tag} #{i}", autoAssign: false)));
        }

        return ids;
    }

    [Fact]
    public async Task Lists_page_by_20_by_default_with_next_and_previous_links()
    {
        var tag = Routes.Tag();
        var ids = await CreateManyAsync(tag, 25);

        var first = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}");

        Assert.Equal(25, (int?)first["count"]);
        Assert.Equal(20, Results(first).Count);
        Assert.Null((string?)first["previous"]);
        var next = Str(first, "next");
        Assert.Contains("page=2", next);
        Assert.Contains($"search={tag}", next);

        var second = await admin.GetObjectAsync(next);
        Assert.Equal(25, (int?)second["count"]);
        Assert.Equal(5, Results(second).Count);
        Assert.Null((string?)second["next"]);
        var previous = Str(second, "previous");
        Assert.Contains("page=1", previous);

        var all = Results(first).Concat(Results(second)).Select(t => Id(t)).ToList();
        Assert.Equal(ids.Order(), all.Order());
        Assert.Equal(first.ToJsonString(), (await admin.GetObjectAsync(previous)).ToJsonString());
    }

    [Fact]
    public async Task Page_size_chooses_the_page_length_up_to_100()
    {
        var tag = Routes.Tag();
        await CreateManyAsync(tag, 7);

        var small = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&page_size=3&page=3");
        var largest = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&page_size=100");

        Assert.Single(Results(small));
        Assert.Contains("page=2", Str(small, "previous"));
        Assert.Null((string?)small["next"]);
        Assert.Equal(7, Results(largest).Count);
        Assert.Null((string?)largest["next"]);
    }

    [Fact]
    public async Task A_page_size_over_100_is_capped_at_100_as_the_original_does()
    {
        var tag = Routes.Tag();
        await CreateManyAsync(tag, 101);

        var page = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&page_size=500");

        Assert.Equal(101, (int?)page["count"]);
        Assert.Equal(100, Results(page).Count);
        Assert.Contains("page=2", Str(page, "next"));
        Assert.Contains("page_size=500", Str(page, "next"));
        Assert.Single(Results(await admin.GetObjectAsync(Str(page, "next"))));
    }

    [Fact]
    public async Task Page_zero_is_refused_not_silently_replaced()
    {
        await admin.GetAsync($"{Routes.Tasks}?page=0").FieldErrorAsync("page");
    }

    [Fact]
    public async Task A_page_past_the_end_is_the_originals_404_invalid_page_saying_which_pages_exist()
    {
        var tag = Routes.Tag();
        await CreateManyAsync(tag, 2);

        var problem = await admin.GetAsync($"{Routes.Tasks}?search={tag}&page=5").ProblemAsync(HttpStatusCode.NotFound);
        var empty = await admin.GetObjectAsync($"{Routes.Tasks}?search={Routes.Tag()}");

        Assert.Equal("Invalid page.", (string?)problem["detail"]);
        Assert.Equal("page 5 is past the end of this list: 2 results make 1 page of 20", (string?)problem["reason"]);
        Assert.Equal(0, (int?)empty["count"]);
        Assert.Empty(Results(empty));
    }

    private async Task<Dictionary<string, Guid>> CreateByPriorityAsync(string tag)
    {
        var ids = new Dictionary<string, Guid>();
        foreach (var priority in new[] { "high", "low", "emergency", "medium", "critical", "high-newer" })
        {
            app.Time.Advance(TimeSpan.FromSeconds(1));
            var task = await admin.CreateTaskAsync($"order {tag} {priority}", priority: priority.Split('-')[0], autoAssign: false);
            ids[priority] = Id(task);
        }

        return ids;
    }

    [Fact]
    public async Task Default_order_is_by_priority_rank_then_newest_first()
    {
        var tag = Routes.Tag();
        var ids = await CreateByPriorityAsync(tag);

        var page = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}");

        Assert.Equal(
            new[] { ids["emergency"], ids["critical"], ids["high-newer"], ids["high"], ids["medium"], ids["low"] },
            Results(page).Select(t => Id(t)));
    }

    [Fact]
    public async Task Ordering_by_priority_ascending_puts_low_first_and_descending_emergency_first()
    {
        var tag = Routes.Tag();
        await CreateByPriorityAsync(tag);

        var ascending = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&ordering=priority");
        var descending = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&ordering=-priority");

        Assert.Equal(["low", "medium", "high", "high", "critical", "emergency"], Results(ascending).Select(t => (string?)t["priority"]));
        Assert.Equal(["emergency", "critical", "high", "high", "medium", "low"], Results(descending).Select(t => (string?)t["priority"]));
    }

    [Fact]
    public async Task Ordering_by_created_on_and_by_several_keys_is_honoured()
    {
        var tag = Routes.Tag();
        var ids = await CreateByPriorityAsync(tag);

        var oldest = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&ordering=created_on");
        var byPriorityThenOldest = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&ordering=-priority,created_on");

        Assert.Equal(new[] { ids["high"], ids["low"], ids["emergency"], ids["medium"], ids["critical"], ids["high-newer"] }, Results(oldest).Select(t => Id(t)));
        Assert.Equal(new[] { ids["emergency"], ids["critical"], ids["high"], ids["high-newer"], ids["medium"], ids["low"] }, Results(byPriorityThenOldest).Select(t => Id(t)));
    }

    [Fact]
    public async Task Status_in_filter_keeps_only_the_listed_statuses()
    {
        var tag = Routes.Tag();
        var pending = await admin.CreateTaskAsync($"filter {tag} pending", autoAssign: false);
        var assigned = await admin.CreateTaskAsync($"filter {tag} assigned", taskType: "deployment");
        var cancelled = await admin.CreateTaskAsync($"filter {tag} cancelled", autoAssign: false);
        await admin.PostEmptyAsync($"{Routes.Task(Id(cancelled))}cancel/").ObjectAsync();

        var page = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&status__in=pending,assigned");
        var onlyCancelled = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&status=cancelled");

        Assert.Equal(new[] { Id(pending), Id(assigned) }.Order(), Results(page).Select(t => Id(t)).Order());
        Assert.Equal([Id(cancelled)], Results(onlyCancelled).Select(t => Id(t)));
    }

    [Fact]
    public async Task Priority_and_task_type_filters_keep_only_matching_tasks()
    {
        var tag = Routes.Tag();
        var highDocs = await admin.CreateTaskAsync($"filter {tag} a", taskType: "documentation", priority: "high", autoAssign: false);
        var lowDocs = await admin.CreateTaskAsync($"filter {tag} b", taskType: "documentation", priority: "low", autoAssign: false);
        var highTests = await admin.CreateTaskAsync($"filter {tag} c", taskType: "testing", priority: "high", autoAssign: false);

        var high = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&priority=high");
        var docs = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&task_type=documentation");
        var both = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&task_type=documentation&priority__in=high,critical");

        Assert.Equal(new[] { Id(highDocs), Id(highTests) }.Order(), Results(high).Select(t => Id(t)).Order());
        Assert.Equal(new[] { Id(highDocs), Id(lowDocs) }.Order(), Results(docs).Select(t => Id(t)).Order());
        Assert.Equal([Id(highDocs)], Results(both).Select(t => Id(t)));
    }

    [Fact]
    public async Task Search_matches_title_and_description_ignoring_case()
    {
        var tag = Routes.Tag();
        var inTitle = await admin.CreateTaskAsync($"Search {tag.ToUpperInvariant()} in title", autoAssign: false);
        var inDescription = await admin.CreateTaskAsync("Search in description", autoAssign: false, description: $"see {tag} here");
        await admin.CreateTaskAsync("Search elsewhere", autoAssign: false);

        var page = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}");

        Assert.Equal(new[] { Id(inTitle), Id(inDescription) }.Order(), Results(page).Select(t => Id(t)).Order());
    }

    [Fact]
    public async Task Created_on_range_filters_by_creation_time()
    {
        var tag = Routes.Tag();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var older = await admin.CreateTaskAsync($"range {tag} older", autoAssign: false);
        app.Time.Advance(TimeSpan.FromMinutes(10));
        var cut = app.Now();
        var newer = await admin.CreateTaskAsync($"range {tag} newer", autoAssign: false);

        var after = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&created_on__gte={Uri.EscapeDataString(Iso(cut))}");
        var before = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&created_on__lte={Uri.EscapeDataString(Iso(cut.AddMinutes(-1)))}");

        Assert.Equal([Id(newer)], Results(after).Select(t => Id(t)));
        Assert.Equal([Id(older)], Results(before).Select(t => Id(t)));
    }

    [Fact]
    public async Task An_unknown_ordering_key_is_ignored_keeping_the_known_ones_and_the_response_header_says_so()
    {
        var tag = Routes.Tag();
        var ids = await CreateByPriorityAsync(tag);

        var response = await admin.GetAsync($"{Routes.Tasks}?search={tag}&ordering=-height,created_on");
        var page = await (await response.ExpectAsync(HttpStatusCode.OK)).ReadObjectAsync();

        Assert.Equal("ordering=-height", response.Headers.GetValues("X-OpsConsole-Ignored").Single());
        Assert.Equal(new[] { ids["high"], ids["low"], ids["emergency"], ids["medium"], ids["critical"], ids["high-newer"] }, Results(page).Select(t => Id(t)));
        Assert.False((await admin.GetAsync($"{Routes.Tasks}?search={tag}&ordering=created_on")).Headers.Contains("X-OpsConsole-Ignored"));
    }

    [Fact]
    public async Task Agent_list_pages_and_orders_too()
    {
        var page = await admin.GetObjectAsync($"{Routes.Agents}?page_size=2&ordering=name");

        Assert.Equal(2, Results(page).Count);
        Assert.Contains("page=2", Str(page, "next"));
        var names = Results(page).Select(a => Str(a, "name")).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        await (await admin.GetAsync(Str(page, "next"))).ExpectAsync(HttpStatusCode.OK);
    }
}
