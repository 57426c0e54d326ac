using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Api;

public sealed class JsonBodyTests
{
    private static readonly TimeSpan Year = TimeSpan.FromDays(365);

    private static JsonBody Body(string json) => JsonBody.From(JsonNode.Parse(json)!.AsObject());

    /// <summary>What a client reads in the 400: the messages per field.</summary>
    private static IDictionary<string, string[]> Errors(JsonBody body)
    {
        var problem = Assert.IsType<HttpValidationProblemDetails>(body.Problem().ProblemDetails);
        return problem.Errors;
    }

    private static string OnlyError(JsonBody body, string field)
    {
        Assert.False(body.IsValid);
        var errors = Errors(body);
        Assert.Equal([field], errors.Keys);
        return Assert.Single(errors[field]);
    }

    // ---- strings ----

    [Fact]
    public void Present_string_is_returned_trimmed_and_the_body_stays_valid()
    {
        var body = Body("""{"title": "  Deploy failed on web-1  "}""");

        Assert.Equal("Deploy failed on web-1", body.String("title", required: true, max: 200));
        Assert.True(body.IsValid);
    }

    [Fact]
    public void Missing_required_field_is_named_in_the_error()
    {
        var body = Body("""{"description": "exit 1"}""");

        Assert.Null(body.String("title", required: true, max: 200));
        Assert.Equal("title is required", OnlyError(body, "title"));
    }

    [Fact]
    public void Required_field_sent_as_null_is_missing()
    {
        var body = Body("""{"title": null}""");

        Assert.Null(body.String("title", required: true));
        Assert.Equal("title is required", OnlyError(body, "title"));
    }

    [Fact]
    public void Blank_required_field_is_refused()
    {
        var body = Body("""{"title": "   "}""");

        Assert.Null(body.String("title", required: true));
        Assert.Equal("title is required and may not be blank", OnlyError(body, "title"));
    }

    [Fact]
    public void Missing_optional_field_is_no_error()
    {
        var body = Body("{}");

        Assert.Null(body.String("description"));
        Assert.Null(body.Int("max_retries", 0, 10));
        Assert.Null(body.Enum<WorkItemPriority>("priority"));
        Assert.True(body.IsValid);
    }

    [Theory]
    [InlineData("""{"title": 5}""", "title must be a string, not a number")]
    [InlineData("""{"title": true}""", "title must be a string, not a boolean")]
    [InlineData("""{"title": {"a": 1}}""", "title must be a string, not an object")]
    [InlineData("""{"title": ["a"]}""", "title must be a string, not a list")]
    public void String_field_of_another_type_is_refused_naming_what_was_sent(string json, string expected)
    {
        var body = Body(json);

        Assert.Null(body.String("title", required: true));
        Assert.Equal(expected, OnlyError(body, "title"));
    }

    [Fact]
    public void Over_long_string_is_refused_with_its_length_and_the_limit()
    {
        var body = Body($$"""{"title": "{{new string('x', 201)}}"}""");

        Assert.Null(body.String("title", required: true, max: 200));
        Assert.Equal("title is 201 characters long; at most 200 are allowed", OnlyError(body, "title"));
    }

    [Fact]
    public void String_of_exactly_the_maximum_length_is_accepted()
    {
        var body = Body($$"""{"title": "{{new string('x', 200)}}"}""");

        Assert.Equal(200, body.String("title", max: 200)?.Length);
        Assert.True(body.IsValid);
    }

    [Theory]
    [InlineData("""{"title": "bell\u0007"}""")]
    [InlineData("""{"title": "nul\u0000byte"}""")]
    [InlineData("""{"title": "esc\u001b[31mred"}""")]
    public void String_with_control_characters_is_refused(string json)
    {
        var body = Body(json);

        Assert.Null(body.String("title"));
        Assert.Equal("title contains control characters; remove them", OnlyError(body, "title"));
    }

    [Fact]
    public void Line_breaks_and_tabs_are_allowed_in_text()
    {
        var body = Body("""{"description": "line one\nline two\r\n\tindented"}""");

        Assert.Equal("line one\nline two\r\n\tindented", body.String("description"));
        Assert.True(body.IsValid);
    }

    // ---- numbers and booleans ----

    [Theory]
    [InlineData("""{"max_concurrent_tasks": 0}""")]
    [InlineData("""{"max_concurrent_tasks": 21}""")]
    [InlineData("""{"max_concurrent_tasks": 2.5}""")]
    [InlineData("""{"max_concurrent_tasks": "3"}""")]
    [InlineData("""{"max_concurrent_tasks": 1e30}""")]
    public void Whole_number_outside_the_range_or_of_another_type_is_refused_with_the_range(string json)
    {
        var body = Body(json);

        Assert.Null(body.Int("max_concurrent_tasks", 1, 20));
        Assert.Equal("max_concurrent_tasks must be a whole number from 1 to 20", OnlyError(body, "max_concurrent_tasks"));
    }

    [Theory]
    [InlineData("""{"max_concurrent_tasks": 1}""", 1)]
    [InlineData("""{"max_concurrent_tasks": 20}""", 20)]
    [InlineData("""{"max_concurrent_tasks": 3.0}""", 3)]
    public void Whole_number_within_the_range_is_accepted(string json, int expected)
    {
        var body = Body(json);

        Assert.Equal(expected, body.Int("max_concurrent_tasks", 1, 20));
        Assert.True(body.IsValid);
    }

    [Fact]
    public void Number_outside_its_range_is_refused_with_the_range()
    {
        var low = Body("""{"priority_weight": 0.05}""");
        var ok = Body("""{"priority_weight": 8.5}""");

        Assert.Null(low.Double("priority_weight", 0.1, 10.0));
        Assert.Equal("priority_weight must be a number from 0.1 to 10", OnlyError(low, "priority_weight"));
        Assert.Equal(8.5, ok.Double("priority_weight", 0.1, 10.0));
    }

    [Fact]
    public void Boolean_must_be_true_or_false_not_a_string()
    {
        var body = Body("""{"auto_retry": "yes", "auto_escalate": false}""");

        Assert.Null(body.Bool("auto_retry"));
        Assert.False(body.Bool("auto_escalate"));
        Assert.Equal("auto_retry must be true or false", OnlyError(body, "auto_retry"));
    }

    // ---- enums ----

    [Fact]
    public void Enum_value_is_read_case_insensitively()
    {
        var body = Body("""{"priority": "CRITICAL", "task_type": "bug_fix"}""");

        Assert.Equal(WorkItemPriority.Critical, body.Enum<WorkItemPriority>("priority"));
        Assert.Equal(WorkItemKind.BugFix, body.Enum<WorkItemKind>("task_type"));
        Assert.True(body.IsValid);
    }

    [Fact]
    public void Bad_enum_value_is_refused_with_the_list_of_allowed_values()
    {
        var body = Body("""{"priority": "urgent"}""");

        Assert.Null(body.Enum<WorkItemPriority>("priority"));
        Assert.Equal("priority 'urgent' is not allowed; allowed: low, medium, high, critical, emergency", OnlyError(body, "priority"));
    }

    [Fact]
    public void Missing_required_enum_is_named()
    {
        var body = Body("{}");

        Assert.Null(body.Enum<WorkItemKind>("task_type", required: true));
        Assert.Equal("task_type is required", OnlyError(body, "task_type"));
    }

    [Fact]
    public void Enum_list_is_read_without_duplicates()
    {
        var body = Body("""{"capabilities": ["deployment", "BUG_FIX", "deployment"]}""");

        Assert.Equal([WorkItemKind.Deployment, WorkItemKind.BugFix], body.EnumList<WorkItemKind>("capabilities"));
        Assert.True(body.IsValid);
    }

    [Fact]
    public void Enum_list_with_an_unknown_value_is_refused_naming_it_and_the_allowed_values()
    {
        var body = Body("""{"capabilities": ["deployment", "juggling"]}""");

        Assert.Null(body.EnumList<WorkItemKind>("capabilities"));
        var error = OnlyError(body, "capabilities");
        Assert.StartsWith("capabilities holds '\"juggling\"', which is not allowed; allowed: deployment, bug_fix,", error);
        Assert.EndsWith("ux_improvement", error);
    }

    [Fact]
    public void Enum_list_sent_as_a_single_string_is_refused()
    {
        var body = Body("""{"capabilities": "deployment"}""");

        Assert.Null(body.EnumList<WorkItemKind>("capabilities"));
        Assert.Equal("capabilities must be a JSON list, not a string", OnlyError(body, "capabilities"));
    }

    // ---- durations ----

    [Theory]
    [InlineData("""{"estimated_duration": "01:00:00"}""", 3600)]
    [InlineData("""{"estimated_duration": "1:30:00"}""", 5400)]
    [InlineData("""{"estimated_duration": "1 02:00:00"}""", 93600)]
    [InlineData("""{"estimated_duration": "00:00:01.5"}""", 1.5)]
    [InlineData("""{"estimated_duration": 3600}""", 3600)]
    [InlineData("""{"estimated_duration": 0}""", 0)]
    public void Duration_is_read_from_clock_text_days_and_clock_or_seconds(string json, double expectedSeconds)
    {
        var body = Body(json);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), body.Duration("estimated_duration", Year));
        Assert.True(body.IsValid);
    }

    [Theory]
    [InlineData("""{"estimated_duration": "an hour"}""")]
    [InlineData("""{"estimated_duration": "01:00"}""")]
    [InlineData("""{"estimated_duration": "25:00:00"}""")]
    [InlineData("""{"estimated_duration": "01:60:00"}""")]
    [InlineData("""{"estimated_duration": "x 01:00:00"}""")]
    [InlineData("""{"estimated_duration": "-1 01:00:00"}""")]
    [InlineData("""{"estimated_duration": "366 00:00:00"}""")]
    [InlineData("""{"estimated_duration": -60}""")]
    [InlineData("""{"estimated_duration": 31536001}""")]
    [InlineData("""{"estimated_duration": true}""")]
    [InlineData("""{"estimated_duration": {"hours": 1}}""")]
    public void Invalid_or_too_long_duration_is_refused_saying_what_is_allowed(string json)
    {
        var body = Body(json);

        Assert.Null(body.Duration("estimated_duration", Year));
        Assert.Equal(
            "estimated_duration must be a duration \"HH:MM:SS\" (or \"D HH:MM:SS\", or seconds) of at most 365 00:00:00",
            OnlyError(body, "estimated_duration"));
    }

    [Theory]
    [InlineData("""{"estimated_duration": "99999999 00:00:00"}""")]
    [InlineData("""{"estimated_duration": "2147483647 00:00:00"}""")]
    [InlineData("""{"estimated_duration": "10675199 23:59:59"}""")]
    public void Duration_with_an_absurd_number_of_days_is_refused_not_thrown(string json)
    {
        var body = Body(json);

        var duration = body.Duration("estimated_duration", Year);

        Assert.Null(duration);
        Assert.False(body.IsValid);
    }

    // ---- other shapes ----

    [Fact]
    public void Timestamp_with_an_offset_is_read_as_utc()
    {
        var body = Body("""{"due_date": "2026-01-31T17:00:00+02:00"}""");

        var due = body.Time("due_date");

        Assert.Equal(new DateTime(2026, 1, 31, 15, 0, 0, DateTimeKind.Utc), due);
        Assert.Equal(DateTimeKind.Utc, due?.Kind);
    }

    [Fact]
    public void Timestamp_that_is_not_a_date_is_refused_with_an_example()
    {
        var body = Body("""{"due_date": "tomorrow"}""");

        Assert.Null(body.Time("due_date"));
        Assert.Equal("due_date must be an ISO-8601 timestamp between the years 1970 and 2999, such as 2026-01-31T17:00:00Z", OnlyError(body, "due_date"));
    }

    [Fact]
    public void Identifier_must_be_a_uuid()
    {
        var good = Body("""{"agent_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}""");
        var bad = Body("""{"agent_id": "agent-7"}""");

        Assert.Equal(Guid.Parse("3fa85f64-5717-4562-b3fc-2c963f66afa6"), good.Guid("agent_id"));
        Assert.Null(bad.Guid("agent_id"));
        Assert.Equal("agent_id must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6", OnlyError(bad, "agent_id"));
    }

    [Fact]
    public void Dependency_list_must_hold_task_ids_and_no_more_than_the_limit()
    {
        var bad = Body("""{"depends_on_ids": ["3fa85f64-5717-4562-b3fc-2c963f66afa6", 7]}""");
        var many = Body($$"""{"depends_on_ids": [{{string.Join(", ", Enumerable.Range(0, 3).Select(_ => $"\"{Guid.NewGuid()}\""))}}]}""");

        Assert.Null(bad.Guids("depends_on_ids", 100));
        Assert.Equal("depends_on_ids must be a list of task ids (UUIDs)", OnlyError(bad, "depends_on_ids"));
        Assert.Null(many.Guids("depends_on_ids", 2));
        Assert.Equal("depends_on_ids may hold at most 2 ids", OnlyError(many, "depends_on_ids"));
    }

    [Fact]
    public void Object_field_is_kept_as_compact_json_text()
    {
        var body = Body("""{"input_data": {"deployment_id": "d-42", "attempt": 2}}""");

        Assert.Equal("""{"deployment_id":"d-42","attempt":2}""", body.Object("input_data"));
        Assert.True(body.IsValid);
    }

    [Fact]
    public void Object_field_of_another_type_or_too_large_is_refused()
    {
        var list = Body("""{"input_data": [1, 2]}""");
        var large = Body($$$"""{"input_data": {"blob": "{{{new string('x', 100)}}}"}}""");

        Assert.Null(list.Object("input_data"));
        Assert.Equal("input_data must be a JSON object, not a list", OnlyError(list, "input_data"));
        Assert.Null(large.Object("input_data", maxBytes: 50));
        Assert.StartsWith("input_data is 111 bytes; at most 50 are allowed", OnlyError(large, "input_data"));
    }

    [Fact]
    public void String_list_is_trimmed_and_limited_in_items_and_length()
    {
        var ok = Body("""{"environments": [" production ", "staging"]}""");
        var blank = Body("""{"environments": ["production", " "]}""");
        var many = Body("""{"environments": ["a", "b", "c"]}""");

        Assert.Equal(["production", "staging"], ok.StringList("environments", 20, 50));
        Assert.Null(blank.StringList("environments", 20, 50));
        Assert.Equal("environments must be a list of non-empty strings of at most 50 characters, without control characters", OnlyError(blank, "environments"));
        Assert.Null(many.StringList("environments", 2, 50));
        Assert.Equal("environments may hold at most 2 items", OnlyError(many, "environments"));
    }

    [Fact]
    public void String_list_item_with_control_characters_is_refused_like_any_other_text()
    {
        var body = Body("""{"environments": ["production", "stag\u0007ing"]}""");

        Assert.Null(body.StringList("environments", 20, 50));
        Assert.False(body.IsValid);
    }

    // ---- several problems at once ----

    [Fact]
    public void Every_bad_field_is_reported_in_one_problem()
    {
        var body = Body("""{"title": "", "task_type": "juggling", "priority": 3, "max_retries": -1}""");

        body.String("title", required: true, max: 200);
        body.String("description", required: true);
        body.Enum<WorkItemKind>("task_type", required: true);
        body.Enum<WorkItemPriority>("priority");
        body.Int("max_retries", 0, 10);

        Assert.False(body.IsValid);
        var problem = body.Problem();
        Assert.Equal(400, problem.StatusCode);
        var details = Assert.IsType<HttpValidationProblemDetails>(problem.ProblemDetails);
        Assert.Equal(["description", "max_retries", "priority", "task_type", "title"], details.Errors.Keys.Order());
        Assert.Contains("max_retries must be a whole number from 0 to 10", details.Detail);
        Assert.Contains("priority must be a string, not a number", details.Detail);
    }

    [Fact]
    public void Has_tells_whether_the_client_sent_a_field_even_when_null()
    {
        var body = Body("""{"due_date": null}""");

        Assert.True(body.Has("due_date"));
        Assert.False(body.Has("title"));
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    public void Timestamp_outside_the_supported_years_is_refused_instead_of_overflowing_later(string text)
    {
        var body = JsonBody.From(System.Text.Json.Nodes.JsonNode.Parse($"{{\"due_date\": \"{text}\"}}")!.AsObject());

        Assert.Null(body.Time("due_date"));
        Assert.False(body.IsValid);
    }
}
