using Microsoft.AspNetCore.Components;
using MudBlazor;
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

    [Inject] private RuleService Service { get; set; } = default!;

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
        if (editing is null || FormSpec() is not { } spec)
        {
            return;
        }

        await ActAsync(async () =>
        {
            var (rule, created) = await Service.SaveAsync(editingId, spec, await UserAsync(), CancellationToken.None);
            Snackbar.Add(created ? $"Rule {rule.Name} created." : $"Rule {rule.Name} saved.", Severity.Success);
            CloseForm();
        });
    }

    /// <summary>The form as a rule, read as the rules/ route reads its body; null (errors shown) when it is not a rule.</summary>
    private RuleSpec? FormSpec()
    {
        errors = [];
        if (editing is null)
        {
            return null;
        }

        var body = editing.Body();
        if (body.Value is not { } json)
        {
            errors = body.Errors.ToDictionary();
            Snackbar.Add("Fix the JSON marked in the form.", Severity.Warning);
            return null;
        }

        var spec = RuleForm.Spec(json);
        if (spec.Value is null)
        {
            errors = spec.Errors.ToDictionary();
            Snackbar.Add("Not a valid rule: " + string.Join("; ", spec.Messages), Severity.Warning);
        }

        return spec.Value;
    }

    private Task SetActiveAsync(OrchestrationRule rule, bool active) => ActAsync(async () =>
    {
        await Service.SaveAsync(rule.Id, new RuleSpec(null, null, null, null, null, null, active), await UserAsync(), CancellationToken.None);
        Snackbar.Add($"{rule.Name}: {(active ? "active" : "inactive")}.", Severity.Success);
    });

    private async Task DeleteAsync(OrchestrationRule rule)
    {
        if (!await ConfirmAsync(
            $"Delete rule {rule.Name}?",
            "New tasks are no longer shaped by it; tasks it already changed stay as they are. To pause it instead, switch it off.",
            yes: "Delete", cancel: "Keep"))
        {
            return;
        }

        await ActAsync(async () =>
        {
            await Service.DeleteAsync(rule.Id, await UserAsync(), CancellationToken.None);
            Snackbar.Add($"Rule {rule.Name} deleted.", Severity.Success);
            if (editingId == rule.Id)
            {
                CloseForm();
            }
        });
    }

    private static string Indented(string json) => ReadableJson.Pretty(json);
}
