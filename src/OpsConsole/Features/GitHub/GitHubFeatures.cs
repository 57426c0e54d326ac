namespace OpsConsole.Features.GitHub;

public static class GitHubFeatures
{
    /// <summary>What people and GitHub do with issues: the task's issue, the status page, the intake of labelled issues, the pull-request loop.</summary>
    public static IServiceCollection AddOpsGitHubFeatures(this IServiceCollection services)
    {
        services.AddSingleton<IssueService>();
        services.AddSingleton<GitHubStatusQuery>();
        services.AddSingleton<GitHubLinks>();
        services.AddSingleton<GitHubIntake>();
        services.AddTransient<GitHubIntakeJob>();
        services.AddSingleton<PullRequestLoop>();
        return services;
    }
}
