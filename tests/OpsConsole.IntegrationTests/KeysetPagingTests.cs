using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Lists read by position: <c>next</c> and <c>previous</c> carry a <c>cursor</c>, and a client that follows them gets every row
/// exactly once in the list's order, in every ordering the API offers, while tasks are created and deleted between its
/// requests. On SQLite and on PostgreSQL, whose NULLs sort at the other end.
/// </summary>
public abstract class KeysetPagingTests(OpsConsoleFactory app)
{
    private readonly HttpClient admin = app.CreateAdminClient();

    public static TheoryData<string> Orderings =>
    [
        "", "-priority", "priority", "created_on", "-created_on", "modified_on", "-modified_on", "title", "-title", "status", "-status",
        "escalation_level", "-escalation_level", "due_date", "-due_date", "next_attempt_at", "-next_attempt_at",
        "-priority,created_on", "status,-due_date", "-escalation_level,title",
    ];

    [Theory]
    [MemberData(nameof(Orderings))]
    public async Task Following_next_returns_every_task_once_in_the_same_order_as_numbered_pages(string ordering)
    {
        var tag = Routes.Tag();
        var created = await SeedAsync(tag, 26);
        var url = $"{Routes.Tasks}?search={tag}&page_size=4{(ordering.Length > 0 ? "&ordering=" + ordering : "")}";

        var (byCursor, pages) = await WalkAsync(url);
        var byNumber = await NumberedWalkAsync(url);

        Assert.Equal(created.Order(), byCursor.Select(t => Id(t)).Order());
        Assert.Equal(byNumber.Select(t => Id(t)), byCursor.Select(t => Id(t)));
        Assert.Equal(7, pages.Count);
        for (var i = 1; i < pages.Count; i++)
        {
            Assert.Contains($"page={i + 1}&", Str(pages[i - 1], "next") + "&", StringComparison.Ordinal);
            Assert.Contains("cursor=", Str(pages[i - 1], "next"), StringComparison.Ordinal);
        }

        if (ordering.TrimStart('-') is "priority" or "created_on" or "escalation_level" or "title" && !ordering.Contains(','))
        {
            AssertSorted(byCursor, ordering.TrimStart('-'), ordering.StartsWith('-'));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("due_date")]
    [InlineData("-status")]
    public async Task Following_previous_from_the_last_page_returns_the_same_pages_backwards(string ordering)
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 22);
        var url = $"{Routes.Tasks}?search={tag}&page_size=5{(ordering.Length > 0 ? "&ordering=" + ordering : "")}";
        var (_, forward) = await WalkAsync(url);

        var backward = new List<JsonObject> { forward[^1] };
        while (backward[^1]["previous"] is { } previous)
        {
            backward.Add(await admin.GetObjectAsync((string)previous!));
        }

        backward.Reverse();
        Assert.Equal(forward.Select(p => Results(p).Select(t => Id(t))), backward.Select(p => Results(p).Select(t => Id(t))));
        Assert.Equal(forward[0].ToJsonString(), backward[0].ToJsonString());
        Assert.Null(backward[0]["previous"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-created_on")]
    [InlineData("created_on")]
    [InlineData("due_date")]
    public async Task Tasks_created_and_deleted_between_pages_neither_repeat_nor_hide_the_tasks_that_existed(string ordering)
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 24);
        var url = $"{Routes.Tasks}?search={tag}&page_size=4{(ordering.Length > 0 ? "&ordering=" + ordering : "")}";
        var before = (await NumberedWalkAsync(url)).Select(t => Id(t)).ToList();
        var deleted = new HashSet<Guid>();
        var added = new HashSet<Guid>();

        var seen = new List<Guid>();
        var page = await admin.GetObjectAsync(url);
        for (var n = 0; ; n++)
        {
            seen.AddRange(Results(page).Select(t => Id(t)));
            if (page["next"] is not { } next)
            {
                break;
            }

            // Between two requests: new tasks of every priority (now the newest), one task already read and one still ahead deleted.
            foreach (var priority in new[] { "emergency", "low", "medium" })
            {
                app.Time.Advance(TimeSpan.FromSeconds(1));
                added.Add(Id(await admin.CreateTaskAsync($"{tag} added {n} {priority}", priority: priority, autoAssign: false, dueDate: n % 2 == 0 ? null : Iso(app.Now().AddHours(n)))));
            }

            foreach (var id in new[] { seen[^1], before.FirstOrDefault(id => !seen.Contains(id) && !deleted.Contains(id)) }.Where(id => id != Guid.Empty).Take(n % 3 == 0 ? 2 : 1))
            {
                await (await admin.DeleteAsync(Routes.Task(id))).ExpectAsync(HttpStatusCode.NoContent);
                deleted.Add(id);
            }

            page = await admin.GetObjectAsync((string)next!);
        }

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(before.Where(id => !deleted.Contains(id) || seen.Contains(id)), seen.Where(id => !added.Contains(id)));
    }

    [Fact]
    public async Task Several_statuses_are_read_status_by_status_and_merged_in_order()
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 26);
        var url = $"{Routes.Tasks}?search={tag}&page_size=3&status__in=pending,cancelled";

        var (byCursor, _) = await WalkAsync(url);
        var byNumber = await NumberedWalkAsync(url);

        Assert.NotEmpty(byCursor);
        Assert.Contains(byCursor, t => Str(t, "status") == "cancelled");
        Assert.Equal(byNumber.Select(t => Id(t)), byCursor.Select(t => Id(t)));
        AssertSorted(byCursor, "priority", descending: true);
    }

    [Theory]
    [InlineData("status=pending&ordering=-created_on")]
    [InlineData("status__in=pending,cancelled&ordering=created_on")]
    [InlineData("status__in=pending,cancelled,escalated&ordering=-created_on")]
    [InlineData("task_type__in=documentation,testing&ordering=-created_on")]
    [InlineData("priority__in=high,low&ordering=created_on")]
    [InlineData("needs_attention=false&ordering=-created_on")]
    [InlineData("task_type=testing")]
    [InlineData("priority__in=high,low,emergency")]
    public async Task A_filtered_list_read_part_by_part_and_merged_follows_next_in_the_same_order_as_numbered_pages(string filter)
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 26);
        foreach (var i in Enumerable.Range(0, 6))
        {
            await admin.CreateTaskAsync($"{tag} testing {i}", taskType: "testing", priority: i % 2 == 0 ? "high" : "low", autoAssign: false);
        }

        var url = $"{Routes.Tasks}?search={tag}&page_size=3&{filter}";

        var (byCursor, _) = await WalkAsync(url);
        var byNumber = await NumberedWalkAsync(url);

        Assert.NotEmpty(byCursor);
        Assert.Equal(byNumber.Select(t => Id(t)), byCursor.Select(t => Id(t)));
        Assert.Equal(byCursor.Count, byCursor.Select(t => Id(t)).Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("&ordering=-created_on")]
    [InlineData("&ordering=created_on")]
    public async Task Every_open_status_at_once_lists_exactly_the_open_tasks_by_cursor_with_an_exact_count(string ordering)
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 26);
        var url = $"{Routes.Tasks}?search={tag}&page_size=4&status__in=pending,assigned,in_progress,blocked,review,failed,escalated{ordering}";

        var (byCursor, pages) = await WalkAsync(url);
        var byNumber = await NumberedWalkAsync(url);
        var all = (await WalkAsync($"{Routes.Tasks}?search={tag}&page_size=50")).Items;
        var open = all.Where(t => Str(t, "status") is not ("completed" or "cancelled")).Select(t => Id(t)).Order().ToList();

        Assert.Contains(all, t => Str(t, "status") is "completed" or "cancelled"); // there are finished tasks to leave out
        Assert.Equal(open, byCursor.Select(t => Id(t)).Order());
        Assert.Equal(byNumber.Select(t => Id(t)), byCursor.Select(t => Id(t)));
        Assert.Equal(open.Count, (int)pages[0]["count"]!);
        AssertSorted(byCursor, ordering.Length == 0 ? "priority" : "created_on", descending: !ordering.EndsWith("=created_on", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_other_database_lists_page_by_cursor_too()
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 25); // log lines for more than one page of 20 even when this test runs alone
        var url = $"{Routes.Base}/execution-logs/?page_size=20";

        var (byCursor, pages) = await WalkAsync(url);
        var byNumber = await NumberedWalkAsync(url);

        Assert.True(pages.Count > 1, "the log list should take several pages");
        Assert.Equal(byNumber.Select(t => Id(t)), byCursor.Select(t => Id(t)));
        var audit = await WalkAsync($"{Routes.Base}/audit/?page_size=50");
        Assert.Equal(audit.Items.Count, audit.Items.Select(a => Id(a)).Distinct().Count());
    }

    [Fact]
    public async Task A_cursor_page_past_the_end_is_empty_and_leads_back_to_the_last_page()
    {
        var tag = Routes.Tag();
        var ids = await SeedAsync(tag, 6);
        var first = await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&page_size=4");
        var next = Str(first, "next");
        foreach (var id in Results(await admin.GetObjectAsync(next)).Select(t => Id(t)))
        {
            await (await admin.DeleteAsync(Routes.Task(id))).ExpectAsync(HttpStatusCode.NoContent);
        }

        var empty = await admin.GetObjectAsync(next);
        var last = await admin.GetObjectAsync(Str(empty, "previous"));

        Assert.Empty(Results(empty));
        Assert.Null(empty["next"]);
        Assert.Equal(4, (int?)empty["count"]);
        Assert.Equal(Results(first).Select(t => Id(t)), Results(last).Select(t => Id(t)));
        Assert.Null(last["previous"]);
        Assert.Null(last["next"]);
        Assert.Equal(6, ids.Count);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("eyJ2IjoxfQ")] // {"v":1}
    [InlineData("W10")] // []
    public async Task A_cursor_the_list_did_not_give_out_is_a_400_naming_the_cursor(string cursor)
    {
        var message = await admin.GetAsync($"{Routes.Tasks}?cursor={cursor}").FieldErrorAsync("cursor");

        Assert.Contains("follow the next and previous links", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cursor_of_another_ordering_or_with_values_of_the_wrong_kind_is_a_400_naming_the_cursor()
    {
        var tag = Routes.Tag();
        await SeedAsync(tag, 5);
        var next = Str(await admin.GetObjectAsync($"{Routes.Tasks}?search={tag}&page_size=2&ordering=created_on"), "next");
        var cursor = System.Web.HttpUtility.ParseQueryString(new Uri(next).Query)["cursor"]!;
        var json = JsonNode.Parse(Convert.FromBase64String(Pad(cursor.Replace('-', '+').Replace('_', '/'))))!.AsObject();
        json["k"]![0] = "yesterday";
        var tampered = Convert.ToBase64String(Encoding.UTF8.GetBytes(json.ToJsonString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        var otherOrdering = await admin.GetAsync($"{Routes.Tasks}?search={tag}&page_size=2&ordering=title&cursor={cursor}").FieldErrorAsync("cursor");
        var wrongValue = await admin.GetAsync($"{Routes.Tasks}?search={tag}&page_size=2&ordering=created_on&cursor={tampered}").FieldErrorAsync("cursor");
        var tooLong = await admin.GetAsync($"{Routes.Tasks}?cursor={new string('a', 2001)}").FieldErrorAsync("cursor");

        Assert.Contains("another ordering", otherOrdering, StringComparison.Ordinal);
        Assert.Contains("not a cursor this list gave out", wrongValue, StringComparison.Ordinal);
        Assert.Contains("not a cursor this list gave out", tooLong, StringComparison.Ordinal);
        await (await admin.GetAsync($"{Routes.Tasks}?search={tag}&page_size=2&ordering=created_on&cursor={cursor}")).ExpectAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// Tasks of every priority, created three at a time in the same instant (ties decided by the id), a third without a due
    /// date and others sharing one, some with the same title, some cancelled, completed, blocked or escalated (status, level,
    /// modification).
    /// </summary>
    private async Task<List<Guid>> SeedAsync(string tag, int count)
    {
        string[] priorities = ["low", "medium", "high", "critical", "emergency"];
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            if (i % 3 == 0)
            {
                app.Time.Advance(TimeSpan.FromSeconds(1));
            }

            var due = i % 3 == 0 ? null : Iso(OpsConsoleFactory.Start.AddDays(3).AddHours(i % 4));
            var title = i % 5 == 0 ? $"same title {tag}" : $"{tag} task {(char)('a' + (i * 7 % 26))}{i:D2}";
            ids.Add(Id(await admin.CreateTaskAsync(title, priority: priorities[i * 3 % 5], autoAssign: false, dueDate: due)));
        }

        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            app.Time.Advance(TimeSpan.FromMilliseconds(10));
            if (i % 7 == 2)
            {
                await admin.PostEmptyAsync($"{Routes.Task(id)}cancel/").ObjectAsync();
            }
            else if (i % 7 == 4)
            {
                await admin.PostJsonAsync($"{Routes.Task(id)}complete/", new { }).ObjectAsync();
            }
            else if (i % 7 == 5)
            {
                await admin.PostEmptyAsync($"{Routes.Task(id)}block/").ObjectAsync();
            }
            else if (i % 6 == 1)
            {
                await (await admin.PostEmptyAsync($"{Routes.Task(id)}escalate/")).ExpectAsync(HttpStatusCode.OK);
            }
        }

        return ids;
    }

    private async Task<(List<JsonObject> Items, List<JsonObject> Pages)> WalkAsync(string url)
    {
        var pages = new List<JsonObject> { await admin.GetObjectAsync(url) };
        while (pages[^1]["next"] is { } next)
        {
            Assert.True(pages.Count < 200, "the walk does not end");
            pages.Add(await admin.GetObjectAsync((string)next!));
        }

        return ([.. pages.SelectMany(Results)], pages);
    }

    private async Task<List<JsonObject>> NumberedWalkAsync(string url)
    {
        var items = new List<JsonObject>();
        for (var number = 1; ; number++)
        {
            var page = await admin.GetObjectAsync($"{url}&page={number}");
            items.AddRange(Results(page));
            if (page["next"] is null)
            {
                return items;
            }
        }
    }

    private static void AssertSorted(List<JsonObject> items, string key, bool descending)
    {
        string[] ranks = ["low", "medium", "high", "critical", "emergency"];
        var values = items.Select(t => key switch
        {
            "priority" => (IComparable)Array.IndexOf(ranks, Str(t, "priority")),
            "created_on" => Time(t, "created_on"),
            "escalation_level" => (int)t["escalation_level"]!,
            _ => Str(t, key),
        }).ToList();
        for (var i = 1; i < values.Count; i++)
        {
            var order = key == "title" ? string.CompareOrdinal((string)values[i - 1], (string)values[i]) : values[i - 1].CompareTo(values[i]);
            Assert.True(descending ? order >= 0 : order <= 0, $"{key} out of order at {i}: {values[i - 1]} then {values[i]}");
        }
    }

    private static List<JsonObject> Results(JsonObject page) => [.. page["results"]!.AsArray().Select(r => r!.AsObject())];

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
}

/// <summary>These tests create a few thousand tasks a minute on purpose: the key's write limit is raised for them.</summary>
public sealed class SqliteKeysetPagingTests(SqliteKeysetPagingTests.Unthrottled app) : KeysetPagingTests(app), IClassFixture<SqliteKeysetPagingTests.Unthrottled>
{
    public sealed class Unthrottled : OpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("OpsConsole:Api:WritesPerMinute", "1000000")];
    }
}

public sealed class PostgresKeysetPagingTests(PostgresKeysetPagingTests.Unthrottled app) : KeysetPagingTests(app), IClassFixture<PostgresKeysetPagingTests.Unthrottled>
{
    public sealed class Unthrottled : PostgresOpsConsoleFactory
    {
        protected override IEnumerable<KeyValuePair<string, string>> Settings => [.. base.Settings, new("OpsConsole:Api:WritesPerMinute", "1000000")];
    }
}
