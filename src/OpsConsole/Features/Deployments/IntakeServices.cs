using OpsConsole.Features.BugReports;

namespace OpsConsole.Features.Deployments;

public static class IntakeServices
{
    /// <summary>Failure intake: the deployment log (watcher, tailer, check job), the failures API, GitHub webhooks and bug reports.</summary>
    public static IServiceCollection AddOpsIntake(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(DeploymentSettings.From(configuration));
        services.AddSingleton<FailureIntake>();
        services.AddSingleton<DeploymentLogTailer>();
        services.AddSingleton<DeploymentLogWatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeploymentLogWatcher>());
        services.AddTransient<DeploymentCheckJob>();
        services.AddSingleton<BugReportService>();
        return services;
    }
}
