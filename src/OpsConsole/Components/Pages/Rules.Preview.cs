using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Rules;
using OpsConsole.Security;

namespace OpsConsole.Components.Pages;

/// <summary>The Rules page's backtest (in the editor, before saving) and preview form (a pasted payload or a recent failure).</summary>
public sealed partial class Rules
{
    private BacktestDto? backtest;
    private string previewText = "{\n  \"task\": {\"title\": \"Checkout returns 500\", \"task_type\": \"bug_fix\", \"priority\": \"high\", \"environment\": \"production\"}\n}";
    private PreviewDto? preview;
    private string? previewError;
    private Guid? pickedFailure;
    private List<FailureRecord> recentFailures = [];

    [Inject] private RuleBacktest Backtester { get; set; } = default!;
    [Inject] private RulePreview Previewer { get; set; } = default!;

    private async Task LoadRecentFailuresAsync()
    {
        recentFailures = await Previewer.RecentFailuresAsync(10, CancellationToken.None);
    }

    private async Task BacktestAsync()
    {
        if (FormSpec() is { } spec)
        {
            await ActAsync(async () => backtest = await Backtester.RunAsync(spec, RuleBacktest.DefaultLimit, await UserAsync(), CancellationToken.None), reload: false);
        }
    }

    private void PickFailure(Guid? id)
    {
        pickedFailure = id;
        if (recentFailures.FirstOrDefault(f => f.Id == id) is not { } failure)
        {
            return;
        }

        var json = new JsonObject
        {
            ["failure"] = new JsonObject
            {
                ["deployment_id"] = failure.DeploymentId,
                ["error_message"] = failure.ErrorMessage,
                ["failed_step"] = failure.Step,
                ["environment"] = failure.Environment,
            },
        };
        previewText = json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private async Task PreviewAsync()
    {
        (preview, previewError) = (null, null);
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(previewText) as JsonObject;
        }
        catch (JsonException ex)
        {
            previewError = $"Not valid JSON: {ex.Message}";
            return;
        }

        if (json is null)
        {
            previewError = "Paste a JSON object: {\"failure\": {…}} or {\"task\": {…}}";
            return;
        }

        await ActAsync(
            async () =>
            {
                var answer = await Previewer.RunAsync(json, (await UserAsync()).ToActor(), CancellationToken.None);
                (preview, previewError) = (answer.Value, answer.Value is null ? string.Join("; ", answer.Errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))) : null);
            },
            refused: ex => previewError = ex.Message,
            reload: false);
    }

    private static string After(double seconds) => seconds == 0 ? "at once" : $"after {FailurePolicy.Humanize(TimeSpan.FromSeconds(seconds))}";
}
