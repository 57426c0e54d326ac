using System.Security.Claims;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.Deployments;
using OpsConsole.Features.WorkItems;
using OpsConsole.Security;

namespace OpsConsole.Features.Rules;

/// <summary>POST preview/ (what would happen to a failure or a task) and POST rules/backtest/ (what a draft rule would have changed); both write nothing.</summary>
public static class PreviewEndpoints
{
    public static RouteGroupBuilder MapPreviewApi(this RouteGroupBuilder api)
    {
        api.MapPost("/preview", PreviewAsync).RequireAuthorization(OpsPolicies.Operator).WithTags("Rules");
        api.MapPost("/rules/backtest", BacktestAsync).RequireAuthorization(OpsPolicies.Admin).WithTags("Rules");
        return api;
    }

    private static async Task<Results<Ok<PreviewDto>, RequestProblem>> PreviewAsync(HttpRequest request, ClaimsPrincipal user, RulePreview preview, DeploymentSettings settings, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var result = await RunPreviewAsync(body, preview, settings, user.ToActor(), cancellationToken);
        return result is null ? body.Problem() : TypedResults.Ok(result);
    }

    /// <summary>
    /// Reads a preview body (<c>{"failure": …}</c> or <c>{"task": …}</c>) as POST failures/ and POST tasks/ read theirs and
    /// runs the preview; null with the problems in <paramref name="body"/>. The route and the Rules page share it.
    /// </summary>
    public static async Task<PreviewDto?> RunPreviewAsync(JsonBody body, RulePreview preview, DeploymentSettings settings, Actor actor, CancellationToken cancellationToken)
    {
        var failure = body.Json["failure"];
        var task = body.Json["task"];
        if ((failure is null) == (task is null))
        {
            body.Error("failure", "send exactly one of failure (the body of POST failures/) or task (the body of POST tasks/)");
            return null;
        }

        if ((failure ?? task) is not JsonObject inner)
        {
            body.Error(failure is null ? "task" : "failure", $"{(failure is null ? "task" : "failure")} must be a JSON object");
            return null;
        }

        var extras = new PreviewExtras(Number(inner, "max_run_minutes", body), Number(inner, "budget_usd", body));
        if (task is not null)
        {
            var (taskBody, taskFields) = JsonRequest<NewTaskBody>.Bind(inner);
            var spec = WorkItemEditHandlers.ReadNewTask(taskBody, taskFields);
            Copy(taskFields, body, "task.");
            return body.IsValid ? await preview.TaskAsync(spec, extras, actor, cancellationToken) : null;
        }

        var report = IntakeEndpoints.ReadFailure(inner, "failure.", settings, body, out var notAFailure);
        if (body.IsValid && report is null)
        {
            body.Error("failure", $"this entry reports a success ({notAFailure}); nothing would happen");
        }

        return body.IsValid && report is not null ? await preview.FailureAsync(report, extras, actor, cancellationToken) : null;
    }

    private static async Task<Results<Ok<BacktestDto>, RequestProblem>> BacktestAsync(HttpRequest request, ClaimsPrincipal user, RuleBacktest backtest, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync(request);
        if (body is null)
        {
            return problem!;
        }

        var limit = body.Int("limit", 1, RuleBacktest.MaxLimit) ?? RuleBacktest.DefaultLimit;
        if (body.Json["rule"] is not JsonObject ruleJson)
        {
            body.Error("rule", "rule is required: a rule as POST rules/ takes it (name, rule_type, trigger_conditions, actions)");
            return body.Problem();
        }

        var ruleBody = JsonBody.From(ruleJson);
        var spec = RuleSpec.Read(ruleBody, replace: false);
        if (ruleBody.IsValid && !ruleBody.HasValue("rule_type"))
        {
            ruleBody.Error("rule_type", $"rule_type is required; one of {WireFormat.Allowed<RuleKind>()}");
        }

        Copy(ruleBody, body, "rule.");
        if (!body.IsValid || spec is null)
        {
            return body.Problem();
        }

        return TypedResults.Ok(await backtest.RunAsync(spec, limit, user, cancellationToken));
    }

    private static double? Number(JsonObject json, string field, JsonBody body)
    {
        if (!json.TryGetPropertyValue(field, out var node) || node is null)
        {
            return null;
        }

        if (node is JsonValue v && v.TryGetValue<double>(out var number) && number >= 0 && double.IsFinite(number))
        {
            return number;
        }

        body.Error(field, $"{field} must be a non-negative number");
        return null;
    }

    private static void Copy(FieldReader from, FieldReader to, string prefix)
    {
        foreach (var (field, messages) in from.Errors)
        {
            foreach (var message in messages)
            {
                to.Error(prefix + field, message);
            }
        }
    }
}
