using System.Net;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// Credentials pasted into everything that comes in (tasks, failures, bug reports, an agent's progress, output and errors,
/// people's reasons) come out nowhere: not in any API answer, not in the CSV export or the audit trail, not in the log file,
/// not on a console page.
/// </summary>
public sealed class CanarySecretTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private static readonly string Unique = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The secret part of each canary: what must never be seen again.</summary>
    private static readonly string[] Secrets =
    [
        $"ghp_canary{Unique}abcdefghijklmnopqrstuv",
        $"AKIA{Unique.ToUpperInvariant()}WXYZ",
        $"UrlPw{Unique}",
        $"BearerCanary{Unique}",
        $"MIIEcanaryKeyBody{Unique}",
        $"ConnPw{Unique}",
    ];

    /// <summary>Each secret as people and tools paste it.</summary>
    private static readonly string Planted =
        $"token {Secrets[0]} aws {Secrets[1]} clone https://deploy:{Secrets[2]}@git.example.com/app.git " +
        $"Authorization: Bearer {Secrets[3]} " +
        $"-----BEGIN RSA PRIVATE KEY-----\n{Secrets[4]}\n-----END RSA PRIVATE KEY----- " +
        $"Server=db;User Id=app;Password={Secrets[5]};";

    private readonly HttpClient admin = app.CreateAdminClient();

    [Fact]
    public async Task Planted_secrets_appear_in_no_answer_export_audit_log_file_or_page()
    {
        var (agentId, token, _) = await admin.CreateAgentAsync($"canary-agent-{Routes.Tag()}", capabilities: ["testing"], maxConcurrentTasks: 5);
        var agent = app.CreateClientWithToken(token);
        await agent.PostEmptyAsync($"{Routes.Agent(agentId)}heartbeat/").ObjectAsync();

        var completed = await PlantedTaskAsync(agentId);
        await agent.PostEmptyAsync($"{Routes.Task(completed)}start/").ObjectAsync();
        await agent.PostJsonAsync($"{Routes.Task(completed)}progress/", new { message = $"cloning: {Planted}", step = "clone", percent = 10, data = new { env = Planted, password = "hunter2-" + Unique } })
            .ObjectAsync(HttpStatusCode.Created);
        await agent.PostJsonAsync($"{Routes.Task(completed)}complete/", new { output_data = new { log = Planted, api_key = "k-" + Unique } }).ObjectAsync();

        var failed = await PlantedTaskAsync(agentId);
        await agent.PostJsonAsync($"{Routes.Task(failed)}fail/", new { error_message = $"push failed: {Planted}", error_details = new { stderr = Planted } }).ObjectAsync();
        await admin.PostJsonAsync($"{Routes.Task(failed)}escalate/", new { reason = $"customer gave us {Planted}" }).ObjectAsync();
        await admin.PostJsonAsync($"{Routes.Task(failed)}cancel/", new { reason = $"dup of {Planted}" }).ObjectAsync();

        var intake = await admin.PostJsonAsync($"{Routes.Base}/failures/", new
        {
            deployment_id = $"deploy-{Routes.Tag()}",
            error_message = $"migrate failed: {Planted}",
            failed_step = "migrate",
            additional_info = new { env = Planted },
        }).ObjectAsync(HttpStatusCode.Accepted);
        var failureTask = Guid.Parse(Str(intake["results"]![0]!, "task_id"));
        var bug = await admin.PostJsonAsync($"{Routes.Base}/bug-reports/", new
        {
            title = "Checkout breaks",
            description = $"after login {Planted}",
            severity = "high",
            steps_to_reproduce = Planted,
            actual_behavior = Planted,
            url = $"https://shop:{Secrets[2]}@shop.example.com/checkout",
            application_state = new { session = Planted, secret = "s-" + Unique },
        }).ObjectAsync(HttpStatusCode.Created);
        var bugTask = await admin.PostJsonAsync($"{Routes.Tasks}create_from_bug_report/", new { bug_report_id = (int)bug["id"]! }).ObjectAsync(HttpStatusCode.Created);

        var detail = await admin.GetTaskAsync(completed);
        Assert.Contains("[REDACTED", detail.ToJsonString());
        var outputs = new Dictionary<string, string>();
        foreach (var url in new[]
        {
            Routes.Task(completed), Routes.Task(failed), Routes.Task(failureTask), Routes.Task(Id(bugTask)),
            $"{Routes.Tasks}?page_size=100", $"{Routes.Task(completed)}execution_logs/", $"{Routes.Task(failed)}execution_logs/",
            $"{Routes.Task(failureTask)}execution_logs/", $"{Routes.ExecutionLogs}?page_size=100", $"{Routes.Task(failed)}assignments/",
            $"{Routes.Base}/failures/?page_size=100", $"{Routes.Base}/bug-reports/", $"{Routes.Base}/bug-reports/{(int)bug["id"]!}/",
            $"{Routes.Base}/audit/?page_size=100", $"{Routes.Base}/status/dashboard/", "/export/tasks.csv",
            $"/tasks/{completed}", $"/tasks/{failed}", $"/tasks/{failureTask}", $"/tasks/{Id(bugTask)}", "/tasks", "/",
        })
        {
            outputs[url] = await (await (await admin.GetAsync(url)).ExpectAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        }

        foreach (var file in Directory.GetFiles(Path.Combine(app.DataDirectory, "logs")))
        {
            using var reader = new StreamReader(new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
            outputs[file] = await reader.ReadToEndAsync();
        }

        Assert.Contains(outputs.Keys, k => k.EndsWith(".log", StringComparison.Ordinal));
        var leaks = outputs.SelectMany(o => Secrets.Append("hunter2-" + Unique).Append("k-" + Unique).Append("s-" + Unique)
            .Where(secret => o.Value.Contains(secret, StringComparison.Ordinal)).Select(secret => $"{secret} in {o.Key}")).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
    }

    /// <summary>A task with the canaries in its text and input, assigned to the agent.</summary>
    private async Task<Guid> PlantedTaskAsync(Guid agentId)
    {
        var task = await admin.PostJsonAsync(Routes.Tasks, new
        {
            title = $"canary {Routes.Tag()} ghp {Secrets[0]}",
            description = $"repro: {Planted}",
            task_type = "testing",
            auto_assign = false,
            input_data = new { script = Planted, db_password = "hunter2-" + Unique },
        }).ObjectAsync(HttpStatusCode.Created);
        await admin.PostJsonAsync($"{Routes.Task(Id(task))}assign/", new { agent_id = agentId }).ObjectAsync();
        return Id(task);
    }
}
