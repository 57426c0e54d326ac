using System.Linq.Expressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Api;

public sealed class ListQueryTests
{
    private static ListQuery Query(string queryString)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost", 5080);
        context.Request.Path = "/api/v1/orchestration/tasks/";
        context.Request.QueryString = new QueryString(queryString);
        return new ListQuery(context.Request);
    }

    private static string[] ErrorsFor(ListQuery query, string parameter)
    {
        var problem = Assert.IsType<ValidationProblem>(query.Problem());
        return problem.ProblemDetails.Errors[parameter];
    }

    [Fact]
    public void Lists_default_to_page_one_of_twenty()
    {
        var query = Query("");

        Assert.Equal(1, query.PageNumber);
        Assert.Equal(20, query.PageSize);
        Assert.True(query.IsValid);
    }

    [Theory]
    [InlineData("?page_size=500")]
    [InlineData("?page_size=101")]
    public void Page_size_above_one_hundred_is_capped_at_one_hundred_as_drf_does(string queryString)
    {
        var query = Query(queryString);

        Assert.Equal(ListQuery.MaxPageSize, query.PageSize);
        Assert.True(query.IsValid);
    }

    [Theory]
    [InlineData("?page_size=0")]
    [InlineData("?page_size=many")]
    public void Page_size_that_is_not_a_positive_whole_number_is_refused_naming_the_parameter(string queryString)
    {
        var query = Query(queryString);

        Assert.False(query.IsValid);
        Assert.Contains("page_size must be a whole number", ErrorsFor(query, "page_size")[0]);
    }

    [Theory]
    [InlineData("?page=0")]
    [InlineData("?page=-1")]
    [InlineData("?page=two")]
    public void Page_number_must_be_a_positive_whole_number(string queryString)
    {
        var query = Query(queryString);

        Assert.Equal(1, query.PageNumber);
        Assert.False(query.IsValid);
    }

    [Fact]
    public void Status_filter_reads_single_and_comma_separated_wire_values()
    {
        var query = Query("?status=failed&status__in=pending, ASSIGNED");

        Assert.Equal([WorkItemStatus.Failed, WorkItemStatus.Pending, WorkItemStatus.Assigned], query.Enums<WorkItemStatus>("status"));
        Assert.True(query.IsValid);
    }

    [Fact]
    public void Unknown_status_filter_is_refused_with_the_allowed_values()
    {
        var query = Query("?status=done");

        query.Enums<WorkItemStatus>("status");

        Assert.Equal(
            ["'done' is not a valid status; allowed: pending, assigned, in_progress, blocked, review, completed, failed, cancelled, escalated"],
            ErrorsFor(query, "status"));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("Yes", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    public void Boolean_filters_accept_the_usual_spellings(string text, bool expected)
    {
        var query = Query($"?is_active={text}");

        Assert.Equal(expected, query.Bool("is_active"));
        Assert.True(query.IsValid);
    }

    [Fact]
    public void Boolean_filter_with_another_word_is_refused()
    {
        var query = Query("?is_active=maybe");

        Assert.Null(query.Bool("is_active"));
        Assert.Equal(["is_active must be true or false"], ErrorsFor(query, "is_active"));
    }

    [Fact]
    public void Ordering_applies_the_allowed_keys_in_turn_with_minus_for_descending()
    {
        var query = Query("?ordering=-priority,title");
        var items = new[]
        {
            (Title: "b", Priority: WorkItemPriority.Low),
            (Title: "a", Priority: WorkItemPriority.Emergency),
            (Title: "c", Priority: WorkItemPriority.Emergency),
            (Title: "a", Priority: WorkItemPriority.Medium),
        }.AsQueryable();
        var allowed = new Dictionary<string, Expression<Func<(string Title, WorkItemPriority Priority), object?>>>
        {
            ["priority"] = i => (int)i.Priority,
            ["title"] = i => i.Title,
        };

        var ordered = query.Order(items, allowed, "title").ToList();

        Assert.True(query.IsValid);
        Assert.Equal(["a", "c", "a", "b"], ordered.Select(i => i.Title));
        Assert.Equal(WorkItemPriority.Emergency, ordered[0].Priority);
        Assert.Equal(WorkItemPriority.Low, ordered[^1].Priority);
    }

    [Fact]
    public void Ordering_by_an_unknown_key_is_ignored_as_drf_does_and_the_response_header_names_it()
    {
        var query = Query("?ordering=-secret,title,height");
        var allowed = new Dictionary<string, Expression<Func<string, object?>>> { ["title"] = s => s };

        var ordered = query.Order(new[] { "b", "c", "a" }.AsQueryable(), allowed, "-title").ToList();

        Assert.True(query.IsValid);
        Assert.Equal(["a", "b", "c"], ordered);
        Assert.Equal("ordering=-secret,height", query.Request.HttpContext.Response.Headers[ListQuery.IgnoredHeader].ToString());
    }

    [Fact]
    public void Ordering_with_no_known_key_falls_back_to_the_default_ordering()
    {
        var query = Query("?ordering=secret");
        var allowed = new Dictionary<string, Expression<Func<string, object?>>> { ["title"] = s => s };

        var ordered = query.Order(new[] { "b", "c", "a" }.AsQueryable(), allowed, "-title").ToList();

        Assert.True(query.IsValid);
        Assert.Equal(["c", "b", "a"], ordered);
        Assert.Equal("ordering=secret", query.Request.HttpContext.Response.Headers[ListQuery.IgnoredHeader].ToString());
    }

    [Fact]
    public void Ordering_by_known_keys_sets_no_ignored_header()
    {
        var query = Query("?ordering=title");

        query.Order(new[] { "x" }.AsQueryable(), new Dictionary<string, Expression<Func<string, object?>>> { ["title"] = s => s }, "title");

        Assert.False(query.Request.HttpContext.Response.Headers.ContainsKey(ListQuery.IgnoredHeader));
    }

    [Fact]
    public void A_page_past_the_end_is_drfs_invalid_page_saying_which_pages_exist()
    {
        var refused = Assert.Throws<PageNotFoundException>(() => Query("?page=4").Paginate(Enumerable.Range(1, 45).ToList()));

        Assert.Equal("Invalid page.", refused.Message);
        Assert.Equal(RefusalKind.NotFound, refused.Kind);
        Assert.Equal("page 4 is past the end of this list: 45 results make 3 pages of 20", refused.Reason);
    }

    [Fact]
    public void The_first_page_of_an_empty_list_is_an_empty_page_not_an_error()
    {
        var page = Query("?page=1").Paginate(new List<int>());

        Assert.Equal(0, page.Count);
        Assert.Empty(page.Results);
    }

    [Fact]
    public void Page_in_the_middle_links_to_the_next_and_previous_pages_keeping_the_filters()
    {
        var query = Query("?page=2&status=pending");

        var page = query.Paginate(Enumerable.Range(1, 45).ToList());

        Assert.Equal(45, page.Count);
        Assert.Equal(Enumerable.Range(21, 20), page.Results);
        Assert.Equal("http://localhost:5080/api/v1/orchestration/tasks/?page=3&status=pending", page.Next);
        Assert.Equal("http://localhost:5080/api/v1/orchestration/tasks/?page=1&status=pending", page.Previous);
    }

    [Fact]
    public void Last_page_has_no_next_link_and_first_page_no_previous_link()
    {
        var last = Query("?page=3").Paginate(Enumerable.Range(1, 45).ToList());
        var first = Query("").Paginate(Enumerable.Range(1, 45).ToList());

        Assert.Null(last.Next);
        Assert.Equal(5, last.Results.Count);
        Assert.Null(first.Previous);
        Assert.NotNull(first.Next);
    }

    [Fact]
    public void Over_long_text_filter_is_refused()
    {
        var query = Query($"?search={new string('x', 201)}");

        Assert.Null(query.Text("search"));
        Assert.Equal(["search may be at most 200 characters"], ErrorsFor(query, "search"));
    }

    [Fact]
    public void Timestamp_and_id_filters_are_checked()
    {
        var query = Query("?created_after=2026-01-31T10:00:00Z&agent=nope&min_score=abc");

        Assert.Equal(new DateTime(2026, 1, 31, 10, 0, 0, DateTimeKind.Utc), query.Time("created_after"));
        Assert.Null(query.Id("agent"));
        Assert.Null(query.Number("min_score"));
        Assert.Equal(["agent must be a UUID"], ErrorsFor(query, "agent"));
        Assert.Equal(["min_score must be a number"], ErrorsFor(query, "min_score"));
    }
}
