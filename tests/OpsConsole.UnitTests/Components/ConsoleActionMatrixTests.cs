using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.Features.Agents;
using OpsConsole.Features.GitHub;
using OpsConsole.Features.Orchestration;
using OpsConsole.Features.Rules;
using OpsConsole.Integrations.GitHub;
using OpsConsole.Security;
using OpsConsole.UnitTests.TestSupport;

namespace OpsConsole.UnitTests.Components;

/// <summary>
/// The console's half of the role matrix (#20): every service a console page acts through, called as a person with
/// each role as the database has it now. "Refused" is a refusal about who is acting (403); a refusal about the task's
/// state means the person got in. A page that showed a button it should not have, or a tab opened before a demotion,
/// cannot get past this.
/// </summary>
public sealed class ConsoleActionMatrixTests : IAsyncLifetime
{
    private readonly ConsoleTestContext context = new();

    private delegate Task Act(IServiceProvider services, Actor actor, ClaimsPrincipal user, Guid taskId);

    /// <summary>The least role each action needs; an action of the console missing here is a gap in this table.</summary>
    private static readonly Dictionary<string, (ApiRole Needs, Act Act)> Actions = new()
    {
        ["create task"] = (ApiRole.Operator, (s, a, _, _) => Engine(s).CreateAsync(new NewWorkItem { Title = "new", Kind = WorkItemKind.Testing }, a, default)),
        ["assign"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).AssignAsync(id, null, null, a, default)),
        ["retry"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).RetryAsync(id, a, default)),
        ["escalate"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).EscalateAsync(id, "matrix", a, default)),
        ["block"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).BlockAsync(id, "matrix", a, default)),
        ["unblock"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).UnblockAsync(id, a, default)),
        ["complete"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).CompleteAsync(id, null, a, default)),
        ["fail"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).FailAsync(id, "matrix", null, a, default)),
        ["cancel"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).CancelAsync(id, "matrix", a, default)),
        ["edit task"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).UpdateAsync(id, (w, _) => w.MaxRetries = 2, a, default)),
        ["delete task"] = (ApiRole.Operator, (s, a, _, id) => Engine(s).DeleteAsync(id, a, default)),
        ["request issue"] = (ApiRole.Operator, (s, a, _, id) => s.GetRequiredService<IssueService>().RequestAsync(id, a, default)),
        ["unlink issue"] = (ApiRole.Operator, (s, a, _, id) => s.GetRequiredService<IssueService>().UnlinkAsync(id, a, default)),
        ["create agent"] = (ApiRole.Admin, (s, a, _, _) => AgentsOf(s).CreateAsync(
            new AgentSpec($"matrix-{Guid.NewGuid():N}"[..20], AgentKind.General, [], 1, 1.0, null, false, null, null, null), a, default)),
        ["agent status"] = (ApiRole.Admin, async (s, a, _, _) => await s.GetRequiredService<AgentOperations>().UpdateStatusAsync(await AnyAgentAsync(s), "set_maintenance", a, default)),
        ["rotate token"] = (ApiRole.Admin, async (s, a, _, _) => await AgentsOf(s).RotateTokenAsync(await AnyAgentAsync(s), a, default)),
        ["create key"] = (ApiRole.Admin, (s, _, u, _) => s.GetRequiredService<ApiKeyService>().CreateAsync(new ApiKeyRequest("matrix", ApiRole.Viewer, null), u, default)),
        ["save rule"] = (ApiRole.Admin, (s, _, u, _) => s.GetRequiredService<RuleService>().SaveAsync(null,
            new RuleSpec($"matrix {Guid.NewGuid():N}", "", RuleKind.TaskCreation, "{}", "{}", 50, false), u, default)),
        ["create user"] = (ApiRole.Admin, (s, _, u, _) => s.GetRequiredService<UserAdministration>().CreateAsync(
            new NewUser($"m{Guid.NewGuid():N}"[..12], ApiRole.Viewer, "Secret-pass1"), u, default)),
    };

    [Fact]
    public async Task Every_console_action_lets_in_exactly_the_roles_that_may_take_it()
    {
        await context.SeedUsersAsync(("olga", ApiRole.Operator), ("vic", ApiRole.Viewer));
        await context.SeedAgentsAsync();
        var wrong = new List<string>();
        foreach (var (name, (needs, act)) in Actions)
        {
            foreach (var (person, role) in new[] { ("vic", ApiRole.Viewer), ("olga", ApiRole.Operator), ("admin", ApiRole.Admin) })
            {
                var task = await context.CreateFailedTaskAsync($"{name} by {person}");
                var refused = await RefusedAsync(() => act(context.Services, new Actor(person, ActorKind.User), Person(person, role), task.Id));
                if (refused != role < needs)
                {
                    wrong.Add($"{name} by {person} ({role}): {(refused ? "refused" : "allowed")}, needs {needs}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    private static OrchestrationEngine Engine(IServiceProvider services) => services.GetRequiredService<OrchestrationEngine>();

    /// <summary>The Agents page's service, built as the app builds it (the page tests' context does not register it).</summary>
    private static AgentService AgentsOf(IServiceProvider services) => ActivatorUtilities.CreateInstance<AgentService>(services);

    private static async Task<Guid> AnyAgentAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<Data.OpsDbContext>>().CreateDbContextAsync();
        return db.Agents.OrderBy(a => a.Name).First().Id;
    }

    private static ClaimsPrincipal Person(string name, ApiRole role) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. OpsRoles.Implied(role).Select(r => new Claim(ClaimTypes.Role, r))], "Identity.Application"));

    private static async Task<bool> RefusedAsync(Func<Task> action)
    {
        try
        {
            await action();
            return false;
        }
        catch (RefusedException refused)
        {
            return refused.Kind == RefusalKind.Forbidden;
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await context.DisposeAsync();
}
