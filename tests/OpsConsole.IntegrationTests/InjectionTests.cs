using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Hostile text in every text field of the writing routes: never a 500; either a 400 problem naming what is wrong, or the
/// text stored and returned exactly as sent, and shown inert (HTML-encoded) on the console page.
/// </summary>
public sealed class InjectionTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    /// <summary>Put into the JSON text as the escape \\ud800 (a serializer would replace a real lone surrogate before sending).</summary>
    private const string LoneSurrogate = "@@D800@@";

    private const string Script = "<script>alert(1)</script><img src=x onerror=alert(1)>";

    public static readonly Dictionary<string, string> Payloads = new()
    {
        ["sql"] = "x'); DROP TABLE tasks; -- \" OR 1=1 --",
        ["html"] = Script,
        ["long"] = new string('a', 100_000),
        ["control"] = "a\u0001\u0007\u001b[31mred\u007f\u0008z",
        ["null"] = "a\u0000b",
        ["unicode"] = "\u202Egnp.exe \U0001F525 ñ 中文 \uFEFF",
        ["lone-surrogate"] = "a" + LoneSurrogate + "b",
    };

    private readonly HttpClient admin = app.CreateAdminClient();

    /// <summary>A writing route, the body with the payload in one field, and where the stored value is read back.</summary>
    /// <param name="Cap">Documented: the failure record keeps this many characters ("…" last) of a longer text.</param>
    private sealed record Target(string Name, string Url, Func<string, JsonObject> Body, Func<JsonObject, Task<string?>> ReadBack, bool Exact = true, string Method = "POST", int? Cap = null);

    private IEnumerable<Target> Targets()
    {
        var tag = () => Routes.Tag();
        Task<string?> Field(JsonObject o, params string[] path)
        {
            JsonNode? node = o;
            foreach (var p in path)
            {
                node = node?[p];
            }

            return Task.FromResult(node?.GetValue<string>());
        }

        JsonObject NewTask(string field, string value) => new() { ["title"] = $"inj {tag()}", ["task_type"] = "testing", ["auto_assign"] = false, [field] = value };
        yield return new("task title", Routes.Tasks, v => NewTask("title", v), o => Field(o, "title"));
        yield return new("task description", Routes.Tasks, v => NewTask("description", v), o => Field(o, "description"));
        yield return new("task environment", Routes.Tasks, v => NewTask("environment", v), o => Field(o, "environment"), Exact: false);
        yield return new("task input_data", Routes.Tasks,
            v => new JsonObject { ["title"] = $"inj {tag()}", ["task_type"] = "testing", ["auto_assign"] = false, ["input_data"] = new JsonObject { ["note"] = v } },
            o => Field(o, "input_data", "note"));

        yield return new("agent name", Routes.Agents, v => new JsonObject { ["name"] = $"{tag()}{v}", ["agent_type"] = "general" }, o => Field(o, "name"));
        yield return new("agent environments", Routes.Agents,
            v => new JsonObject { ["name"] = tag(), ["agent_type"] = "general", ["environments"] = new JsonArray(v) }, o => Task.FromResult((string?)o["environments"]?[0]), Exact: false);
        yield return new("agent name update", "agent-update", v => new JsonObject { ["name"] = $"{tag()}{v}" }, o => Field(o, "name"), Method: "PATCH");

        JsonObject Bug(string field, string value)
        {
            var bug = new JsonObject { ["title"] = $"bug {tag()}", ["description"] = "blank page", ["severity"] = "low" };
            bug[field] = value;
            return bug;
        }

        var bugs = $"{Routes.Base}/bug-reports/";
        foreach (var field in new[] { "title", "description", "steps_to_reproduce", "expected_behavior", "actual_behavior", "reporter_name", "page_title", "user_agent" })
        {
            yield return new($"bug {field}", bugs, v => Bug(field, v), o => Field(o, field));
        }

        yield return new("bug url", bugs, v => Bug("url", v), o => Field(o, "url"), Exact: false);
        yield return new("bug reporter_email", bugs, v => Bug("reporter_email", v), o => Field(o, "reporter_email"), Exact: false);
        yield return new("bug browser_info", bugs, v => Bug("browser_info", v), o => Task.FromResult(o["browser_info"]?.ToJsonString()), Exact: false);
        yield return new("bug application_state", bugs, v => new JsonObject { ["title"] = $"bug {tag()}", ["description"] = "x", ["severity"] = "low", ["application_state"] = new JsonObject { ["note"] = v } },
            o => Field(o, "application_state", "note"));

        JsonObject Failure(string field, string value)
        {
            var failure = new JsonObject { ["deployment_id"] = $"deploy-{tag()}", ["error_message"] = "exit 1", ["failed_step"] = "build" };
            failure[field] = value;
            return failure;
        }

        var failures = $"{Routes.Base}/failures/";
        yield return new("failure deployment_id", failures, v => Failure("deployment_id", $"{tag()}{v}"), o => FailureFieldAsync(o, "deployment_id"));
        yield return new("failure error_message", failures, v => Failure("error_message", v), o => FailureFieldAsync(o, "error_message"), Cap: 4000);
        yield return new("failure failed_step", failures, v => Failure("failed_step", v), o => FailureFieldAsync(o, "step"), Cap: 500);
        yield return new("failure environment", failures, v => Failure("environment", v), o => FailureFieldAsync(o, "environment"), Exact: false);

        JsonObject Rule(string field, string value)
        {
            var rule = new JsonObject { ["name"] = $"rule-{tag()}", ["rule_type"] = "monitoring", ["trigger_conditions"] = new JsonObject(), ["actions"] = new JsonObject() };
            rule[field] = value;
            return rule;
        }

        yield return new("rule name", Routes.Rules, v => Rule("name", $"{tag()}{v}"), o => Field(o, "name"));
        yield return new("rule description", Routes.Rules, v => Rule("description", v), o => Field(o, "description"));
        yield return new("rule condition", Routes.Rules,
            v => new JsonObject { ["name"] = $"rule-{tag()}", ["rule_type"] = "task_creation", ["trigger_conditions"] = new JsonObject { ["title_contains"] = v }, ["actions"] = new JsonObject { ["set_priority"] = "low" } },
            o => Field(o, "trigger_conditions", "title_contains"));
    }

    [Fact]
    public async Task Hostile_text_in_any_field_is_refused_with_a_problem_or_stored_exactly()
    {
        var wrong = new List<string>();
        foreach (var target in Targets())
        {
            foreach (var (kind, payload) in Payloads)
            {
                var body = target.Body(payload);
                using var request = new HttpRequestMessage(new HttpMethod(target.Method), await UrlAsync(target));
                request.Content = new StringContent(body.ToJsonString().Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal), Encoding.UTF8, "application/json");
                using var response = await admin.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var sent = Sent(body, payload).Replace(LoneSurrogate, "\uD800", StringComparison.Ordinal);
                if ((int)response.StatusCode >= 500)
                {
                    wrong.Add($"{target.Name} / {kind}: {(int)response.StatusCode} {Cut(text)}");
                }
                else if (response.IsSuccessStatusCode)
                {
                    var stored = await target.ReadBack(JsonNode.Parse(text)!.AsObject());
                    var capped = target.Cap is { } cap && sent.Length > cap ? sent[..(cap - 1)] + "…" : sent;
                    if (target.Exact && stored != capped)
                    {
                        wrong.Add($"{target.Name} / {kind}: stored {Cut(stored)} instead of {Cut(sent)}");
                    }
                }
                else if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    wrong.Add($"{target.Name} / {kind}: {(int)response.StatusCode} {response.Content.Headers.ContentType} {Cut(text)}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Bodies_that_are_not_valid_utf8_are_refused_with_a_problem()
    {
        var wrong = new List<string>();
        foreach (var target in Targets())
        {
            // The payload's place holds raw bytes that are no UTF-8: a lone continuation byte, a cut sequence, 0xFF.
            var json = Encoding.UTF8.GetBytes(target.Body("@@PAYLOAD@@").ToJsonString());
            var marker = Encoding.UTF8.GetBytes("@@PAYLOAD@@");
            var at = json.AsSpan().IndexOf(marker);
            var bytes = json[..at].Concat(new byte[] { 0x61, 0x80, 0xC3, 0x28, 0xFF, 0xFE, 0x00, 0x62 }).Concat(json[(at + marker.Length)..]).ToArray();
            using var request = new HttpRequestMessage(new HttpMethod(target.Method), await UrlAsync(target)) { Content = new ByteArrayContent(bytes) };
            request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };

            using var response = await admin.SendAsync(request);

            if (response.StatusCode != HttpStatusCode.BadRequest)
            {
                wrong.Add($"{target.Name}: {(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync())}");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_property_name_that_is_half_a_surrogate_pair_is_refused_with_a_problem_naming_it()
    {
        // Valid JSON syntax, but a name that is no text: the check for duplicate names used to throw on it (a 500).
        var wrong = new List<string>();
        foreach (var target in Targets())
        {
            foreach (var (place, name) in new[] { ("top level", "\\ud800"), ("nested", "\\udc00") })
            {
                var json = target.Body("x").ToJsonString();
                var property = place == "top level" ? $"\"{name}\":1," : $"\"extra\":{{\"{name}\":\"k\"}},";
                using var request = new HttpRequestMessage(new HttpMethod(target.Method), await UrlAsync(target))
                {
                    Content = new StringContent("{" + property + json[1..], Encoding.UTF8, "application/json"),
                };

                using var response = await admin.SendAsync(request);

                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json"
                    || !text.Contains("a property name", StringComparison.Ordinal))
                {
                    wrong.Add($"{target.Name} / {place}: {(int)response.StatusCode} {Cut(text)}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task A_body_that_starts_with_a_byte_order_mark_is_read_as_the_json_after_it()
    {
        var title = $"{Routes.Tag()} Déploiement échoué – 部署失败";
        var json = Encoding.UTF8.GetBytes($$"""{"title": "{{title}}", "task_type": "testing", "auto_assign": false}""");
        using var request = new HttpRequestMessage(HttpMethod.Post, Routes.Tasks) { Content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. json]) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };

        using var response = await admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = System.Text.Json.Nodes.JsonNode.Parse(await admin.GetStringAsync(response.Headers.Location))!;
        Assert.Equal(title, (string?)stored["title"]);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_of_multibyte_text_is_refused_with_413_by_its_bytes()
    {
        // 600,000 characters, 1,200,000 bytes: the limit counts what crosses the wire.
        var body = $$"""{"title": "big", "task_type": "testing", "description": "{{new string('é', 600_000)}}"}""";

        using var response = await admin.PostRawAsync(Routes.Tasks, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Script_in_a_task_is_shown_encoded_on_its_console_page()
    {
        var task = await admin.PostJsonAsync(Routes.Tasks, new
        {
            title = $"{Routes.Tag()} {Script}",
            description = Script,
            task_type = "testing",
            auto_assign = false,
            input_data = new { note = Script },
        }).ObjectAsync(HttpStatusCode.Created);

        var page = await (await (await admin.GetAsync($"/tasks/{Id(task)}")).ExpectAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>alert(1)", page);
        Assert.DoesNotContain("<img src=x", page);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;", page);
    }

    /// <summary>The value as the field received it (names get a unique tag in front).</summary>
    private static string Sent(JsonObject body, string payload)
    {
        foreach (var (_, value) in body)
        {
            if (value is JsonValue v && v.TryGetValue<string>(out var s) && s.EndsWith(payload, StringComparison.Ordinal))
            {
                return s;
            }
        }

        return payload;
    }

    private async Task<string> UrlAsync(Target target)
    {
        if (target.Url != "agent-update")
        {
            return target.Url;
        }

        var (id, _, _) = await admin.CreateAgentAsync($"inj-{Routes.Tag()}");
        return Routes.Agent(id);
    }

    private async Task<string?> FailureFieldAsync(JsonObject answer, string field)
    {
        var fingerprint = Str(answer["results"]![0]!, "fingerprint");
        var records = Results(await admin.GetObjectAsync($"{Routes.Base}/failures/?fingerprint={Uri.EscapeDataString(fingerprint)}"));
        return (string?)records[0][field];
    }

    private static string Cut(string? text) => text is null ? "null" : text.Length > 200 ? text[..200] + $"… ({text.Length} chars)" : text;
}
