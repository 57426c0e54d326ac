using System.Text.Json;
using System.Text.Json.Nodes;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.Features.WorkItems;

/// <summary>The <c>usage</c> object of progress, complete and fail (REST and hub): every part optional, none negative.</summary>
public static class UsageInput
{
    /// <summary>Reads <c>usage</c> from a REST body; problems go to the body under <c>usage.&lt;field&gt;</c>.</summary>
    public static UsageReport? Read(JsonBody body)
    {
        if (!body.Json.TryGetPropertyValue("usage", out var node) || node is null)
        {
            return null;
        }

        if (node is not JsonObject usage)
        {
            body.Error("usage", "usage must be an object {input_tokens, output_tokens, cost_usd, model}");
            return null;
        }

        var (report, problems) = Parse(usage);
        foreach (var (field, message) in problems)
        {
            body.Error(field, message);
        }

        return report;
    }

    private static (UsageReport? Report, List<(string Field, string Message)> Problems) Parse(JsonObject usage)
    {
        var problems = new List<(string, string)>();
        foreach (var key in usage.Select(p => p.Key).Where(k => k is not ("input_tokens" or "output_tokens" or "cost_usd" or "model")))
        {
            problems.Add(($"usage.{key}", $"usage.{key} is not a usage field; usage has input_tokens, output_tokens, cost_usd and model"));
        }

        long? Tokens(string name)
        {
            if (!usage.TryGetPropertyValue(name, out var n) || n is null)
            {
                return null;
            }

            if (n is JsonValue v && v.TryGetValue<long>(out var count) && count >= 0)
            {
                return count;
            }

            problems.Add(($"usage.{name}", $"usage.{name} must be a whole number, 0 or more"));
            return null;
        }

        var input = Tokens("input_tokens");
        var output = Tokens("output_tokens");
        decimal? cost = null;
        if (usage.TryGetPropertyValue("cost_usd", out var c) && c is not null)
        {
            if (c is JsonValue cv && cv.TryGetValue<decimal>(out var amount) && amount is >= 0 and <= 1_000_000m)
            {
                cost = amount;
            }
            else
            {
                problems.Add(("usage.cost_usd", "usage.cost_usd must be a number of US dollars from 0 up to 1000000"));
            }
        }

        string? model = null;
        if (usage.TryGetPropertyValue("model", out var m) && m is not null)
        {
            if (m is JsonValue mv && mv.TryGetValue<string>(out var text) && text.Trim().Length is > 0 and <= UsageReport.MaxModel)
            {
                model = text.Trim();
            }
            else
            {
                problems.Add(("usage.model", $"usage.model must be a model name of 1 to {UsageReport.MaxModel} characters"));
            }
        }

        return (problems.Count == 0 ? new UsageReport(input, output, cost, model) : null, problems);
    }
}
