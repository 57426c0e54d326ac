using OpsConsole.Features.Agents;
using OpsConsole.Features.Health;

namespace OpsConsole.Features.Orchestration;

public static class OrchestrationServices
{
    /// <summary>
    /// The engine and its parts: task operations, creation, assignment, failure handling, the sweep, agent operations, and the
    /// metrics they count (which also read the hub's audience and the open circuits, registered with the real-time services).
    /// </summary>
    public static IServiceCollection AddOrchestration(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<MetricsSnapshot>();
        services.AddSingleton<OpsMetrics>();
        services.AddSingleton<EngineStatistics>();
        services.AddSingleton<OrchestrationEngine>();
        services.AddSingleton<TaskCreation>();
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<AssignmentDispatcher>();
        services.AddSingleton<FailureHandler>();
        services.AddSingleton<RunLimits>();
        services.AddSingleton<SafetySweep>();
        services.AddSingleton<AgentOperations>();
        services.AddSingleton<Spend.SpendQueries>();
        services.AddSingleton<WorkItems.TaskMessages>();
        return services;
    }
}
