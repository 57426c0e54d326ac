using OpsConsole.Data;

namespace OpsConsole.Integrations.GitHub;

public static class GitHubServices
{
    /// <summary>The GitHub issue integration: settings, the Octokit tracker, the outbox and its job.</summary>
    public static IServiceCollection AddOpsGitHub(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<GitHubOptions>(configuration.GetSection(GitHubOptions.Section));
        services.PostConfigure<GitHubOptions>(o => GitHubOptions.ApplyEnvironmentFallbacks(o, configuration));
        services.AddSingleton<GitHubStatus>();
        services.AddSingleton<IIssueTracker, OctokitIssueTracker>();
        services.AddSingleton<IIssueDeliveryTrigger, HangfireIssueDeliveryTrigger>();
        services.AddSingleton<GitHubOutbox>();
        // Outbox rows are written in the same save as the task change, before the audit trail and the events see the save.
        services.AddSaveInterceptor<IssueOutboxWriter>(SaveStage.Derive);
        services.AddTransient<GitHubOutboxJob>();
        return services;
    }

    /// <summary>The GitHub settings as the app will see them (section plus environment fallbacks), for start-up validation.</summary>
    public static GitHubOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(GitHubOptions.Section).Get<GitHubOptions>() ?? new();
        GitHubOptions.ApplyEnvironmentFallbacks(options, configuration);
        return options;
    }
}
