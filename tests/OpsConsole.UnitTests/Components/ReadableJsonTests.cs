using Bunit;
using OpsConsole.Components.Pages;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.UnitTests.TestSupport;
using static OpsConsole.UnitTests.TestSupport.ConsoleTestContext;

namespace OpsConsole.UnitTests.Components;

/// <summary>JSON on the console (and in the issue it previews) is shown as the characters it encodes, never as <c>\uD83D\uDEA8</c>.</summary>
public sealed class ReadableJsonTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    [Fact]
    public void Strings_keep_their_characters_and_only_what_json_requires_is_escaped()
    {
        var pretty = ReadableJson.Pretty("""{"title":"\uD83D\uDEA8 PRODUCTION FAILURE","path":"C:\\logs","note":"caf\u00e9 <b> \"x\"\n","n":[1,2.50,true,null],"e":{}}""");

        Assert.Equal(
            """
            {
              "title": "🚨 PRODUCTION FAILURE",
              "path": "C:\\logs",
              "note": "café <b> \"x\"\n",
              "n": [
                1,
                2.50,
                true,
                null
              ],
              "e": {}
            }
            """.ReplaceLineEndings("\n"),
            pretty);
    }

    [Fact]
    public void Text_that_is_not_json_is_shown_as_it_is() =>
        Assert.Equal("not { json", ReadableJson.Pretty("not { json"));

    [Fact]
    public async Task The_task_page_shows_input_data_with_its_emoji_not_escaped_surrogates()
    {
        var task = await context.Engine.CreateAsync(
            new NewWorkItem { Title = "Deploy failed", Kind = WorkItemKind.Deployment, InputData = """{"title": "\uD83D\uDEA8 PRODUCTION FAILURE: web-1"}""" },
            Operator, CancellationToken.None);

        var page = context.Render<TaskDetail>(p => p.Add(d => d.Id, task.Id));

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("pre.ops-pre"), pre => pre.TextContent.Contains("\"title\": \"🚨 PRODUCTION FAILURE: web-1\"", StringComparison.Ordinal)), Patience);
        Assert.DoesNotContain("\\uD83D", page.Markup, StringComparison.OrdinalIgnoreCase);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
