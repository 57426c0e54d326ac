using System.Diagnostics;
using System.Text.Json.Nodes;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>
/// The recipes in samples/agents/ (#15 part 8), run as <c>opsctl agent run --command</c> runs them: the task JSON on stdin,
/// steering messages in OPSCONSOLE_MESSAGES_FILE. No model is reachable here, so each CLI is a fake that behaves like it
/// (tests/…/Runs/FakeAgents): it logs its prompt, prints progress and usage in the real CLI's format, and fails on request.
/// </summary>
public sealed class RecipeTests
{
    public static readonly TheoryData<string, long, long, decimal, string?> Recipes = new()
    {
        { "claude-code", 1500, 400, 0.0123m, "claude-sonnet-4" },
        { "codex", 2000, 500, 0.0045m, "gpt-5-codex" },
        { "openhands", 3000, 700, 0.2m, "anthropic/claude-sonnet-4" },
        { "aider", 1200, 310, 0.01m, "sonnet" },
    };

    [Theory]
    [MemberData(nameof(Recipes))]
    public async Task A_recipe_prompts_its_cli_with_the_task_previous_attempts_and_messages_streams_progress_and_reports_usage(
        string recipe, long inputTokens, long outputTokens, decimal cost, string? model)
    {
        var run = await RunAsync(recipe, fail: false);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("Fix the flaky login test", run.Prompt);
        Assert.Contains("Earlier attempts at this task did not succeed", run.Prompt);
        Assert.Contains("selector #login-button not found", run.Prompt);
        Assert.Contains("Use the staging database", run.Prompt);
        Assert.Contains(run.Stdout.Split('\n'), l => l.Contains("Reading the failing test") || l.Contains("Patched the parser")
            || l.Contains("Agent is working on it") || l.Contains("Applied edit to app.py"));
        var usage = run.Usage ?? throw new Xunit.Sdk.XunitException($"no usage line in:\n{run.Stdout}");
        Assert.Equal(inputTokens, (long?)usage["input_tokens"]);
        Assert.Equal(outputTokens, (long?)usage["output_tokens"]);
        Assert.Equal(cost, (decimal?)usage["cost_usd"]);
        Assert.Equal(model, (string?)usage["model"]);
    }

    [Theory]
    [MemberData(nameof(Recipes))]
    public async Task A_recipe_exits_non_zero_when_its_cli_fails_and_still_reports_what_was_used(
        string recipe, long inputTokens, long outputTokens, decimal cost, string? model)
    {
        _ = (outputTokens, cost, model);
        var run = await RunAsync(recipe, fail: true);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal(inputTokens, (long?)run.Usage?["input_tokens"]);
    }

    private sealed record RecipeRun(int ExitCode, string Stdout, string Prompt, JsonObject? Usage);

    private static async Task<RecipeRun> RunAsync(string recipe, bool fail)
    {
        var root = RepositoryRoot.FullName;
        var work = Directory.CreateTempSubdirectory("opsconsole-recipe-");
        try
        {
            var messages = Path.Combine(work.FullName, "messages.jsonl");
            await File.WriteAllTextAsync(messages, """{"task_id":"t1","id":"m1","text":"Use the staging database","author":"admin"}""" + "\n");
            var promptLog = Path.Combine(work.FullName, "prompts.log");
            var fakes = Path.Combine(root, "tests", "OpsConsole.IntegrationTests", "Runs", "FakeAgents");
            var info = new ProcessStartInfo("python3") { ArgumentList = { Path.Combine(root, "samples", "agents", $"{recipe}.py") } };
            info.RedirectStandardInput = info.RedirectStandardOutput = info.RedirectStandardError = true;
            info.Environment["PATH"] = $"{fakes}:{Environment.GetEnvironmentVariable("PATH")}";
            info.Environment["OPSCONSOLE_MESSAGES_FILE"] = messages;
            info.Environment["FAKE_PROMPT_LOG"] = promptLog;
            info.Environment["CODEX_MODEL"] = "gpt-5-codex";
            info.Environment["CODEX_PRICE_IN"] = "1.25";
            info.Environment["CODEX_PRICE_OUT"] = "4";
            info.Environment["LLM_MODEL"] = "anthropic/claude-sonnet-4";
            info.Environment["AIDER_MODEL"] = "sonnet";
            if (fail)
            {
                info.Environment["FAKE_FAIL"] = "1";
            }

            using var process = Process.Start(info)!;
            await process.StandardInput.WriteAsync(Task.ToJsonString());
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            var output = await stdout + await stderr;
            var usage = (await stdout).Split('\n').Where(l => l.StartsWith('{') && l.Contains("\"usage\""))
                .Select(l => JsonNode.Parse(l)!["usage"]!.AsObject()).LastOrDefault();
            var prompt = File.Exists(promptLog) ? await File.ReadAllTextAsync(promptLog) : "";
            return new RecipeRun(process.ExitCode, output, prompt, usage);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static readonly JsonObject Task = new()
    {
        ["id"] = "7d0c9a36-3f0e-4a44-9a43-6c3f3c9b1a10",
        ["title"] = "Fix the flaky login test",
        ["description"] = "tests/login.spec.ts fails one run in five",
        ["input_data"] = new JsonObject { ["repository"] = "acme/web" },
        ["previous_attempts"] = new JsonArray(new JsonObject
        {
            ["attempt"] = 1,
            ["agent_name"] = "CodeAgent-Emergency",
            ["outcome"] = "failed",
            ["error_message"] = "command exited with code 1: selector #login-button not found",
            ["output_tail"] = "ran the suite twice",
        }),
    };
}
