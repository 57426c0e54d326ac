using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// The hub's half of the route x role matrix: every hub method against every kind of bearer caller, each on a fresh task
/// held by one agent. "Refused" is a refusal about who is calling (role, another agent's task); a refusal about the task's
/// state (409 over REST) means the caller got in. A revoked key gets no connection at all (RevocationTests).
/// </summary>
public sealed class HubRoleMatrixTests : IAsyncLifetime
{
    public enum Caller { Viewer, Operator, Admin, HoldingAgent, OtherAgent }

    private static readonly Caller[] People = [Caller.Viewer, Caller.Operator, Caller.Admin];
    private static readonly Caller[] Workers = [Caller.Operator, Caller.Admin, Caller.HoldingAgent];

    /// <summary>Who may call each hub method; a method of the hub missing here fails the test.</summary>
    private static readonly Dictionary<string, (Caller[] Allowed, Func<Guid, object?[]> Arguments)> Expected = new()
    {
        ["FollowTask"] = ([.. People, Caller.HoldingAgent], id => [id.ToString()]),
        ["UnfollowTask"] = ([.. People, Caller.HoldingAgent, Caller.OtherAgent], id => [id.ToString()]),
        ["FollowAll"] = (People, _ => []),
        ["UnfollowAll"] = ([.. People, Caller.HoldingAgent, Caller.OtherAgent], _ => []),
        ["Heartbeat"] = ([Caller.HoldingAgent, Caller.OtherAgent], _ => []),
        ["StartTask"] = (Workers, id => [id.ToString()]),
        ["ReportProgress"] = (Workers, id => [id.ToString(), new { message = "working on it" }]),
        ["CompleteTask"] = (Workers, id => [id.ToString(), null]),
        ["FailTask"] = (Workers, id => [id.ToString(), new { error_message = "it broke" }]),
        ["ReleaseTask"] = (Workers, id => [id.ToString()]),
    };

    private readonly OpsConsoleFactory app = new();
    private readonly Dictionary<Caller, HubConnection> hubs = [];
    private HttpClient admin = default!;

    [Fact]
    public void Every_hub_method_is_in_the_matrix()
    {
        var methods = typeof(OpsConsole.Realtime.OrchestrationHub).GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.Name is not ("OnConnectedAsync" or "OnDisconnectedAsync"))
            .Select(m => m.Name).Order().ToList();

        Assert.Equal(Expected.Keys.Order().ToList(), methods);
    }

    [Fact]
    public async Task Every_hub_method_lets_in_exactly_the_callers_the_matrix_names()
    {
        var wrong = new List<string>();
        foreach (var (method, (allowed, arguments)) in Expected)
        {
            foreach (var caller in Enum.GetValues<Caller>())
            {
                var taskId = Id(await admin.CreateTaskAsync($"{method} by {caller} {Routes.Tag()}", taskType: "deployment", priority: "high"));
                var refusal = await RefusalAsync(hubs[caller], method, arguments(taskId));
                (await admin.PostJsonAsync($"{Routes.Task(taskId)}cancel/", new { reason = "checked" })).Dispose(); // the holder has room for the next
                if ((refusal is null) != allowed.Contains(caller))
                {
                    wrong.Add($"{method} by {caller}: {(refusal is null ? "allowed" : $"refused ({refusal})")}, expected {(allowed.Contains(caller) ? "allowed" : "refused")}");
                }
            }
        }

        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    /// <summary>Null when the caller got in (the call succeeded, or was refused for the task's state); the reason otherwise.</summary>
    private static async Task<string?> RefusalAsync(HubConnection hub, string method, object?[] arguments)
    {
        try
        {
            await hub.InvokeCoreAsync<object?>(method, arguments);
            return null;
        }
        catch (HubException ex)
        {
            var aboutTheCaller = ex.Message.Contains("role", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("agent token", StringComparison.OrdinalIgnoreCase)
                || ex.Message.Contains("is for agents", StringComparison.Ordinal);
            return aboutTheCaller ? ex.Message : null;
        }
    }

    public async Task InitializeAsync()
    {
        admin = app.CreateAdminClient();
        await admin.DeactivateSeededAgentsAsync();
        var (_, holderToken, _) = await admin.CreateAgentAsync($"holder-{Routes.Tag()}", "deployment", ["deployment"], maxConcurrentTasks: 20);
        var (otherId, otherToken, _) = await admin.CreateAgentAsync($"other-{Routes.Tag()}", "deployment", ["deployment"]);
        await admin.UpdateAgentStatusAsync(otherId, "set_maintenance"); // a working token that is given no task
        var tokens = new Dictionary<Caller, string>
        {
            [Caller.Viewer] = await KeyAsync(ApiRole.Viewer),
            [Caller.Operator] = await KeyAsync(ApiRole.Operator),
            [Caller.Admin] = OpsConsoleFactory.BootstrapKey,
            [Caller.HoldingAgent] = holderToken,
            [Caller.OtherAgent] = otherToken,
        };
        foreach (var (caller, token) in tokens)
        {
            hubs[caller] = TestAgent.HubFor(app, token);
            await hubs[caller].StartAsync();
        }
    }

    private async Task<string> KeyAsync(ApiRole role) => (await app.CreateClientAsync(role)).DefaultRequestHeaders.Authorization!.Parameter!;

    public async Task DisposeAsync()
    {
        foreach (var hub in hubs.Values)
        {
            await hub.DisposeAsync();
        }

        await app.DisposeAsync();
    }
}
