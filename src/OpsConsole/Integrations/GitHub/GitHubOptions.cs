using OpsConsole.Domain;

namespace OpsConsole.Integrations.GitHub;

/// <summary>
/// What the outbox reads of the <c>Orchestration</c> section (bound by the host from the same keys as the engine's options):
/// with <c>Orchestration:DryRun</c> issues are logged as they would be written, and nothing is sent to GitHub.
/// </summary>
public sealed class IssueDeliveryOptions
{
    public bool DryRun { get; set; }
}

/// <summary>The <c>GitHub</c> settings section (CONTRACT.md), with the seed's environment variables as fallbacks.</summary>
public sealed class GitHubOptions
{
    public const string Section = "GitHub";
    public const string PublicApi = "https://api.github.com/";

    public string? Token { get; set; }
    public string? Repository { get; set; }
    public string? ApiUrl { get; set; }
    public string Assignee { get; set; } = "copilot";
    public string? WebhookSecret { get; set; }

    /// <summary>Lifecycle moments that give a task without an issue its issue: escalation, failed_critical (both by default).</summary>
    public List<string> OpenIssuesFor { get; set; } = ["escalation", "failed_critical"];

    /// <summary>GitHub's secondary limits: about 80 content-creating requests a minute and 500 an hour.</summary>
    public int MaxWritesPerMinute { get; set; } = 80;
    public int MaxWritesPerHour { get; set; } = 500;

    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>The safety-net delivery period; changes are also delivered as they are written.</summary>
    public int DeliveryIntervalSeconds { get; set; } = 60;

    /// <summary>Issues carrying this label become tasks (the issues webhook, and a poll every <see cref="IntakePollSeconds"/>).</summary>
    public string IntakeLabel { get; set; } = "opsconsole:task";

    public int IntakePollSeconds { get; set; } = 300;

    /// <summary>A merged pull request that works on a task completes the task.</summary>
    public bool CompleteOnMerge { get; set; } = true;

    /// <summary>CI-failure comments per pull request; the next failure escalates the task instead.</summary>
    public int CiFeedbackLimit { get; set; } = 3;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Token) && TrySplitRepository(out _, out _);

    public IssueTriggers Triggers => new(
        OpenIssuesFor.Contains("escalation", StringComparer.OrdinalIgnoreCase),
        OpenIssuesFor.Contains("failed_critical", StringComparer.OrdinalIgnoreCase));

    public bool TrySplitRepository(out string owner, out string name)
    {
        owner = name = "";
        var parts = (Repository ?? "").Trim().Split('/');
        if (parts is not [{ Length: > 0 } o, { Length: > 0 } n])
        {
            return false;
        }

        (owner, name) = (o, n);
        return true;
    }

    /// <summary>The web address of an issue (for a link made by number, before GitHub has answered).</summary>
    public string IssueUrl(int number) => $"{WebAddress}/{Repository?.Trim()}/issues/{number}";

    /// <summary>Where people see the configured GitHub: https://github.com, or the Enterprise server's address.</summary>
    public string WebAddress
    {
        get
        {
            var api = new Uri(string.IsNullOrWhiteSpace(ApiUrl) ? PublicApi : ApiUrl);
            return api.Host == "api.github.com" ? "https://github.com" : $"{api.Scheme}://{api.Authority}";
        }
    }

    /// <summary>
    /// Whether <paramref name="url"/> may be stored as a task's issue link (the console links it): https:// on the configured
    /// GitHub's own host, nothing else (no javascript:, no other site).
    /// </summary>
    public bool IsIssueLink(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var link) && link.Scheme == Uri.UriSchemeHttps
        && string.Equals(link.Authority, new Uri(WebAddress).Authority, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<string> Validate()
    {
        if (!string.IsNullOrWhiteSpace(Repository) && !TrySplitRepository(out _, out _))
        {
            yield return $"{Section}:Repository is '{Repository}'; give it as owner/name";
        }

        if (!string.IsNullOrWhiteSpace(ApiUrl) && !Uri.TryCreate(ApiUrl, UriKind.Absolute, out _))
        {
            yield return $"{Section}:ApiUrl is '{ApiUrl}'; give an absolute URL such as https://github.example.com/api/v3/";
        }

        foreach (var trigger in OpenIssuesFor.Where(t => !string.Equals(t, "escalation", StringComparison.OrdinalIgnoreCase) && !string.Equals(t, "failed_critical", StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"{Section}:OpenIssuesFor has '{trigger}'; allowed: escalation, failed_critical";
        }

        if (MaxWritesPerMinute is < 1 or > 1000 || MaxWritesPerHour is < 1 or > 10_000)
        {
            yield return $"{Section}:MaxWritesPerMinute must be 1 to 1000 and MaxWritesPerHour 1 to 10000";
        }

        if (RequestTimeoutSeconds is < 1 or > 300)
        {
            yield return $"{Section}:RequestTimeoutSeconds must be 1 to 300";
        }

        if (string.IsNullOrWhiteSpace(IntakeLabel) || IntakeLabel.Trim().Length > 50)
        {
            yield return $"{Section}:IntakeLabel must be a label name of 1 to 50 characters";
        }

        if (IntakePollSeconds is < 10 or > 86_400)
        {
            yield return $"{Section}:IntakePollSeconds must be 10 to 86400";
        }

        if (CiFeedbackLimit is < 0 or > 100)
        {
            yield return $"{Section}:CiFeedbackLimit must be 0 to 100";
        }
    }

    /// <summary>Fills what the section leaves empty from GITHUB_TOKEN, GITHUB_REPO and GITHUB_COPILOT_USERNAME.</summary>
    public static void ApplyEnvironmentFallbacks(GitHubOptions options, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(options.Token))
        {
            options.Token = configuration["GITHUB_TOKEN"];
        }

        if (string.IsNullOrWhiteSpace(options.Repository))
        {
            options.Repository = configuration["GITHUB_REPO"];
        }

        if (configuration[$"{Section}:Assignee"] is null && configuration["GITHUB_COPILOT_USERNAME"] is { Length: > 0 } assignee)
        {
            options.Assignee = assignee;
        }
    }
}
