using System.Net;
using System.Text;
using Microsoft.Data.Sqlite;
using OpsConsole.Data;
using OpsConsole.IntegrationTests.Infrastructure;
using static OpsConsole.IntegrationTests.Infrastructure.ApiTestExtensions;

namespace OpsConsole.IntegrationTests;

/// <summary>Task payloads, failure messages and bug details are encrypted in the database file and read back intact.</summary>
public sealed class EncryptionAtRestTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private readonly HttpClient admin = app.CreateAdminClient();

    private string DatabaseFile => Path.Combine(app.DataDirectory, "opsconsole.db");

    [Fact]
    public async Task Task_input_output_error_and_step_data_are_unreadable_in_the_database_file_but_intact_through_the_api()
    {
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        await app.HeartbeatAllAsync();

        var failing = await admin.PostJsonAsync(Routes.Tasks, new
        {
            title = $"encrypted input {Routes.Tag()}",
            task_type = "deployment",
            priority = "critical",
            input_data = new { note = $"input {canary}" },
        }).ObjectAsync(HttpStatusCode.Created);
        Assert.Equal("assigned", Str(failing, "status"));
        await admin.PostJsonAsync($"{Routes.Task(Id(failing))}progress/", new { message = "step one", data = new { detail = $"progress {canary}" } })
            .ObjectAsync(HttpStatusCode.Created);
        await admin.PostJsonAsync($"{Routes.Task(Id(failing))}fail/", new { error_message = "exit code 1", error_details = $"details {canary}" }).ObjectAsync();

        var completing = await admin.CreateTaskAsync($"encrypted output {Routes.Tag()}", taskType: "deployment", priority: "critical");
        await admin.PostJsonAsync($"{Routes.Task(Id(completing))}complete/", new { output_data = new { result = $"output {canary}" } }).ObjectAsync();

        var failed = await admin.GetTaskAsync(Id(failing));
        Assert.Equal($"input {canary}", (string?)failed["input_data"]!["note"]);
        Assert.Contains($"details {canary}", Str(failed, "error_details"));
        Assert.Contains((await admin.LogsAsync(Id(failing))), l => (string?)l["step_data"]?["detail"] == $"progress {canary}");
        Assert.Equal($"output {canary}", (string?)(await admin.GetTaskAsync(Id(completing)))["output_data"]!["result"]);

        Assert.Empty(CellsContaining(canary));
        Assert.False(FileBytesContain(canary), "the canary is in the raw database file");
        foreach (var (column, id) in new[] { ("InputData", Id(failing)), ("ErrorDetails", Id(failing)), ("OutputData", Id(completing)) })
        {
            Assert.StartsWith(EncryptedColumns.Prefix, StoredValue("tasks", column, id));
        }

        // A task created without input holds the empty object: nothing to hide, stored as it is, and read back the same.
        Assert.Equal("{}", StoredValue("tasks", "InputData", Id(completing)));
        Assert.Empty((await admin.GetTaskAsync(Id(completing)))["input_data"]!.AsObject());
    }

    [Fact]
    public async Task Failure_message_and_bug_report_details_are_encrypted_in_the_database_file()
    {
        var canary = "canary-" + Guid.NewGuid().ToString("N");
        var deployment = $"deploy-{Routes.Tag()}";
        await admin.PostJsonAsync($"{Routes.Base}/failures/", new { deployment_id = deployment, error_message = $"migrate failed {canary}", failed_step = "migrate" })
            .ObjectAsync(HttpStatusCode.Accepted);
        var bug = await admin.PostJsonAsync($"{Routes.Base}/bug-reports/", new
        {
            title = $"bug {Routes.Tag()}",
            description = "the page is blank",
            severity = "high",
            steps_to_reproduce = $"steps {canary}",
            expected_behavior = $"expected {canary}",
            actual_behavior = $"actual {canary}",
            application_state = new { cart = $"state {canary}" },
        }).ObjectAsync(HttpStatusCode.Created);

        var failures = Results(await admin.GetObjectAsync($"{Routes.Base}/failures/?page_size=100"));
        Assert.Contains(failures, f => Str(f, "error_message") == $"migrate failed {canary}");
        var stored = await admin.GetObjectAsync($"{Routes.Base}/bug-reports/{(int)bug["id"]!}/");
        Assert.Equal($"steps {canary}", Str(stored, "steps_to_reproduce"));
        Assert.Equal($"state {canary}", (string?)stored["application_state"]!["cart"]);

        // The failure's task repeats the message in its description and log (searchable, redacted, not encrypted);
        // the failure record and the bug report themselves keep nothing readable.
        Assert.DoesNotContain(CellsContaining(canary), c => c.StartsWith("failure_records.", StringComparison.Ordinal) || c.StartsWith("bug_reports.", StringComparison.Ordinal));
        Assert.All(StoredColumn("failure_records", "ErrorMessage"), v => Assert.StartsWith(EncryptedColumns.Prefix, v));
    }

    [Fact]
    public async Task Rows_written_before_encryption_still_read_and_the_audit_trail_keeps_no_encrypted_value()
    {
        var task = await admin.PostJsonAsync(Routes.Tasks, new { title = $"legacy {Routes.Tag()}", task_type = "testing", auto_assign = false, input_data = new { secret_plan = "audited-plan" } })
            .ObjectAsync(HttpStatusCode.Created);
        await using (var connection = Open())
        {
            await using var update = connection.CreateCommand();
            update.CommandText = "UPDATE tasks SET InputData = $plain WHERE Id = $id";
            update.Parameters.AddWithValue("$plain", """{"legacy":"plain text row"}""");
            update.Parameters.AddWithValue("$id", Id(task).ToString().ToUpperInvariant());
            Assert.Equal(1, await update.ExecuteNonQueryAsync());
        }

        var read = await admin.GetTaskAsync(Id(task));

        Assert.Equal("plain text row", (string?)read["input_data"]!["legacy"]);
        var trail = await admin.GetObjectAsync($"{Routes.Base}/audit/?target_id={Id(task)}");
        var created = Results(trail).Single(e => Str(e, "action") == "created");
        Assert.Equal(EncryptedColumns.AuditPlaceholder, (string?)created["after"]!["input_data"]);
        Assert.DoesNotContain("audited-plan", trail.ToJsonString());
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabaseFile, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Every "table.column" of the database whose value contains <paramref name="text"/>.</summary>
    private List<string> CellsContaining(string text)
    {
        var hits = new List<string>();
        using var connection = Open();
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\"";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.IsDBNull(i) ? "" : reader.GetValue(i) is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                    if (value?.Contains(text, StringComparison.OrdinalIgnoreCase) == true)
                    {
                        hits.Add($"{table}.{reader.GetName(i)}");
                    }
                }
            }
        }

        Assert.Contains("tasks", tables);
        return hits;
    }

    private bool FileBytesContain(string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var file in Directory.GetFiles(app.DataDirectory, "opsconsole.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            if (copy.ToArray().AsSpan().IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private string StoredValue(string table, string column, Guid id)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT \"{column}\" FROM \"{table}\" WHERE Id = $id";
        select.Parameters.AddWithValue("$id", id.ToString().ToUpperInvariant());
        return Assert.IsType<string>(select.ExecuteScalar());
    }

    private List<string> StoredColumn(string table, string column)
    {
        using var connection = Open();
        using var select = connection.CreateCommand();
        select.CommandText = $"SELECT \"{column}\" FROM \"{table}\"";
        var values = new List<string>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        Assert.NotEmpty(values);
        return values;
    }
}
