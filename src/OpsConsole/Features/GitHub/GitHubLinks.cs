using Microsoft.Extensions.Options;
using OpsConsole.Integrations.GitHub;

namespace OpsConsole.Features.GitHub;

/// <summary>What the task page shows of the GitHub settings: whether GitHub is configured, which links it may make, the CI feedback limit.</summary>
public sealed class GitHubLinks(IOptionsMonitor<GitHubOptions> options)
{
    public bool Configured => options.CurrentValue.IsConfigured;

    /// <summary>How many CI-failure comments a pull request gets before its task escalates (<c>GitHub:CiFeedbackLimit</c>).</summary>
    public int CiFeedbackLimit => options.CurrentValue.CiFeedbackLimit;

    /// <summary>Only https links on the configured GitHub are links; anything else (a javascript: or foreign link) is shown as text.</summary>
    public bool IsLink(string url) => options.CurrentValue.IsIssueLink(url);
}
