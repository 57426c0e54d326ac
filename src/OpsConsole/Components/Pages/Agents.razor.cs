using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using MudBlazor;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.Orchestration;

namespace OpsConsole.Components.Pages;

public sealed partial class Agents
{
    private List<Agent> agents = [];
    private AgentForm? editing;
    private Guid? editingId;
    private string? token;
    private string? tokenFor;

    [Inject] private AgentService AgentService { get; set; } = default!;
    [Inject] private AgentOperations Operations { get; set; } = default!;

    protected override bool IsRelevant(DomainEvent domainEvent) => domainEvent is AgentChanged;

    protected override async Task LoadAsync()
    {
        agents = await AgentService.RosterAsync(CancellationToken.None);
    }

    private void NewAgent()
    {
        editingId = null;
        editing = new AgentForm();
    }

    private void Edit(Agent agent)
    {
        editingId = agent.Id;
        editing = new AgentForm
        {
            Name = agent.Name,
            Kind = agent.Kind,
            MaxConcurrentTasks = agent.MaxConcurrentTasks,
            PriorityWeight = agent.PriorityWeight,
            Capabilities = agent.Capabilities.ToList(),
            Environments = string.Join(", ", agent.Environments),
        };
    }

    private async Task SaveAsync()
    {
        if (editing is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(editing.Name) || editing.Name.Length > 100)
        {
            Snackbar.Add("Give the agent a name of 1 to 100 characters.", Severity.Warning);
            return;
        }

        var environments = editing.Environments.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(e => e.Length <= 50 && !e.Any(char.IsControl)).Distinct().Take(20).ToList();
        var spec = new AgentSpec(editing.Name.Trim(), editing.Kind, editing.Capabilities.ToList(), Math.Clamp(editing.MaxConcurrentTasks, 1, 20),
            Math.Clamp(editing.PriorityWeight, 0.1, 10), null, false, null, null, environments);
        await ActAsync(async () =>
        {
            var actor = await ActorAsync();
            if (editingId is { } id)
            {
                await AgentService.UpdateAsync(id, spec, actor, CancellationToken.None);
                Snackbar.Add($"{spec.Name} saved.", Severity.Success);
            }
            else
            {
                var (agent, newToken) = await AgentService.CreateAsync(spec, actor, CancellationToken.None);
                (token, tokenFor) = (newToken, agent.Name);
                Snackbar.Add($"{agent.Name} created.", Severity.Success);
            }

            editing = null;
        });
    }

    private Task StatusAsync(Agent agent, string action) => ActAsync(async () =>
    {
        await Operations.UpdateStatusAsync(agent.Id, action, await ActorAsync(), CancellationToken.None);
        Snackbar.Add($"{agent.Name}: {action.Replace('_', ' ')}.", Severity.Success);
    });

    private Task RotateAsync(Agent agent) => ActAsync(
        async () =>
        {
            token = await AgentService.RotateTokenAsync(agent.Id, await ActorAsync(), CancellationToken.None);
            tokenFor = agent.Name;
            Snackbar.Add($"{agent.Name}: new token issued; the old one no longer works.", Severity.Info);
        },
        reload: false);

    private sealed class AgentForm
    {
        public string Name { get; set; } = "";
        public AgentKind Kind { get; set; } = AgentKind.General;
        public int MaxConcurrentTasks { get; set; } = 3;
        public double PriorityWeight { get; set; } = 1.0;
        public IReadOnlyCollection<WorkItemKind> Capabilities { get; set; } = [];
        public string Environments { get; set; } = "";
    }
}
