using OpsConsole.Features.Agents;

namespace OpsConsole.Features.Orchestration;

public static class OrchestrationServices
{
    /// <summary>The engine and its parts: task operations, creation, assignment, failure handling, the sweep, agent operations.</summary>
    public static IServiceCollection AddOrchestration(this IServiceCollection services)
    {
        services.AddSingleton<EngineStatistics>();
        services.AddSingleton<OrchestrationEngine>();
        services.AddSingleton<TaskCreation>();
        services.AddSingleton<AssignmentDispatcher>();
        services.AddSingleton<FailureHandler>();
        services.AddSingleton<SafetySweep>();
        services.AddSingleton<AgentOperations>();
        return services;
    }
}
