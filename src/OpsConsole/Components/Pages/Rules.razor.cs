using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Api;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.Rules;

namespace OpsConsole.Components.Pages;

public sealed partial class Rules
{
    private const string ConditionsHelp = "task_creation: task_type, priority, environment, source (a value or a list), title_contains (text). Empty {} matches every task.";
    private const string ActionsHelp = "task_creation: set_priority, min_priority, due_in_minutes, max_retries, auto_assign, open_github_issue. agent_selection: prefer_agents, avoid_agents, only_agents, prefer_bonus. failure_handling: max_retries, retry_base_seconds, retry_max_seconds, on_exhausted. task_escalation: escalate_after_minutes, blocked_after_minutes, overdue_every_minutes. notification: url, events, secret. Monitoring: {\"maintenance\": true}.";

    private List<OrchestrationRule> rules = [];
    private RuleForm? editing;
    private Guid? editingId;
    private string? editingName;
    private Dictionary<string, List<string>> errors = [];
    private bool busy;

    [Inject] private RuleService Service { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => false;

    protected override async Task LoadAsync()
    {
        rules = await Service.ListAsync(CancellationToken.None);
        await LoadRecentFailuresAsync();
    }

    private string? Errors(string field) => errors.TryGetValue(field, out var messages) ? string.Join(" ", messages) : null;

    private void NewRule()
    {
        CloseForm();
        editing = new RuleForm();
    }

    private void Edit(OrchestrationRule rule)
    {
        CloseForm();
        (editingId, editingName) = (rule.Id, rule.Name);
        editing = new RuleForm
        {
            Name = rule.Name,
            Description = rule.Description,
            Kind = rule.Kind,
            Priority = rule.Priority,
            IsActive = rule.IsActive,
            Conditions = Indented(rule.TriggerConditions),
            Actions = Indented(RuleSecrets.Masked(rule.Actions)),
        };
    }

    private void CloseForm()
    {
        (editing, editingId, editingName) = (null, null, null);
        errors = [];
        backtest = null;
    }

    private async Task SaveAsync()
    {
        if (editing is null)
        {
            return;
        }

        if (FormSpec() is not { } spec)
        {
            return;
        }

        busy = true;
        try
        {
            var (rule, created) = await Service.SaveAsync(editingId, spec, await UserAsync(), CancellationToken.None);
            Snackbar.Add(created ? $"Rule {rule.Name} created." : $"Rule {rule.Name} saved.", Severity.Success);
            CloseForm();
        }
        catch (RefusedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }
        finally
        {
            busy = false;
        }

        await ReloadAsync();
    }

    /// <summary>
    /// The form as the body the rules/ route would receive, read by the same RuleSpec.Read, so the page and the API accept and
    /// refuse exactly the same rules, with the same messages; null (errors shown) when it is not a rule.
    /// </summary>
    private RuleSpec? FormSpec()
    {
        errors = [];
        if (editing is null)
        {
            return null;
        }

        var json = new JsonObject
        {
            ["name"] = editing.Name,
            ["description"] = editing.Description ?? "",
            ["rule_type"] = WireFormat.Of(editing.Kind),
            ["trigger_conditions"] = ParseField("trigger_conditions", editing.Conditions),
            ["actions"] = ParseField("actions", editing.Actions),
            ["priority"] = editing.Priority,
            ["is_active"] = editing.IsActive,
        };
        if (errors.Count > 0)
        {
            Snackbar.Add("Fix the JSON marked in the form.", Severity.Warning);
            return null;
        }

        // Round-tripped through text so numbers read exactly as in a request body.
        var body = JsonBody.From(JsonNode.Parse(json.ToJsonString())!.AsObject());
        if (RuleSpec.Read(body, replace: true) is not { } spec)
        {
            errors = body.Errors.ToDictionary(e => e.Key, e => e.Value);
            Snackbar.Add("Not a valid rule: " + string.Join("; ", body.Errors.SelectMany(e => e.Value)), Severity.Warning);
            return null;
        }

        return spec;
    }

    private async Task SetActiveAsync(OrchestrationRule rule, bool active)
    {
        try
        {
            await Service.SaveAsync(rule.Id, new RuleSpec(null, null, null, null, null, null, active), await UserAsync(), CancellationToken.None);
            Snackbar.Add($"{rule.Name}: {(active ? "active" : "inactive")}.", Severity.Success);
        }
        catch (RefusedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }

        await ReloadAsync();
    }

    private async Task DeleteAsync(OrchestrationRule rule)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            $"Delete rule {rule.Name}?",
            "New tasks are no longer shaped by it; tasks it already changed stay as they are. To pause it instead, switch it off.",
            yesText: "Delete", cancelText: "Keep");
        if (confirmed != true)
        {
            return;
        }

        try
        {
            await Service.DeleteAsync(rule.Id, await UserAsync(), CancellationToken.None);
            Snackbar.Add($"Rule {rule.Name} deleted.", Severity.Success);
            if (editingId == rule.Id)
            {
                CloseForm();
            }
        }
        catch (RefusedException ex)
        {
            Snackbar.Add(ex.Message, Severity.Warning);
        }

        await ReloadAsync();
    }

    /// <summary>The text of a JSON field; what is not JSON at all is reported here, everything else by RuleSpec.Read.</summary>
    private JsonNode? ParseField(string field, string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new JsonObject();
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            errors[field] = [$"{field} is not valid JSON: {ex.Message}"];
            return null;
        }
    }

    private static string Indented(string json) => ReadableJson.Pretty(json);

    private sealed class RuleForm
    {
        public string Name { get; set; } = "";
        public string? Description { get; set; } = "";
        public RuleKind Kind { get; set; } = RuleKind.TaskCreation;
        public int Priority { get; set; } = 100;
        public bool IsActive { get; set; } = true;
        public string Conditions { get; set; } = "{}";
        public string Actions { get; set; } = "{}";
    }
}
