using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.WorkItems;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests;

/// <summary>
/// The lists SQLite answers from an index that already holds them in order, asked of SQLite itself (EXPLAIN QUERY PLAN on
/// the SQL EF writes for the list): every open status at once through the partial indexes of open tasks, whose filter must
/// be word for word what EF writes, one status newest first through <c>(Status, CreatedOn)</c>, one agent's tasks newest
/// first through <c>(AssignedAgentId, CreatedOn)</c>. A change to either side
/// that makes SQLite sort every match again fails here, not only in the benchmark.
/// </summary>
public sealed class OpenTaskIndexTests(OpsConsoleFactory app) : IClassFixture<OpsConsoleFactory>
{
    private static readonly List<WorkItemStatus> Open = [.. Enum.GetValues<WorkItemStatus>().Where(s => !s.IsTerminal())];

    [Theory]
    [InlineData("priority", "IX_tasks_open_rank")]
    [InlineData("created_on", "IX_tasks_open_created")]
    public async Task Every_open_status_at_once_is_read_in_order_from_the_open_tasks_index(string sortBy, string index)
    {
        await using var db = await app.DbAsync();

        var open = await PlanAsync(db, TaskOrdering.Apply(TaskStatusFilter.Rows(db.WorkItems, Open), [(sortBy, true)]).Take(21));
        var some = await PlanAsync(db, TaskOrdering.Apply(TaskStatusFilter.Rows(db.WorkItems, Open[..^1]), [(sortBy, true)]).Take(21));

        Assert.Contains($"USING INDEX {index}", open, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", open, StringComparison.Ordinal);
        Assert.DoesNotContain(index, some, StringComparison.Ordinal); // six statuses of seven are a list, not "open"
    }

    [Fact]
    public async Task The_count_of_every_open_status_seeks_each_status_instead_of_walking_past_the_finished_tasks()
    {
        await using var db = await app.DbAsync();

        var plan = await PlanAsync(db, TaskStatusFilter.Counted(db.WorkItems, Open).Take(10_001).Select(w => 1));

        Assert.Contains("(Status=?)", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_status_newest_first_is_one_seek_already_in_order()
    {
        await using var db = await app.DbAsync();

        var plan = await PlanAsync(db, TaskOrdering.Apply(TaskStatusFilter.Rows(db.WorkItems, [WorkItemStatus.Failed]), [("created_on", true)]).Take(21));

        Assert.Contains("USING INDEX IX_tasks_Status_CreatedOn (Status=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_agents_tasks_newest_first_are_one_seek_already_in_order()
    {
        await using var db = await app.DbAsync();
        var agent = Guid.NewGuid();
        var filters = TaskFilters.Of(null, null, null, agent: true, attention: false);

        var plan = await PlanAsync(db, TaskOrdering.Apply(db.WorkItems.Where(w => w.AssignedAgentId == agent), [("created_on", true)]).Take(21));

        Assert.Null(TaskOrdering.Parts([("created_on", true)], filters)); // read whole, not one priority at a time
        Assert.Contains("USING INDEX IX_tasks_agent_created (AssignedAgentId=?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("TEMP B-TREE FOR ORDER BY", plan, StringComparison.Ordinal);
    }

    private static async Task<string> PlanAsync<T>(OpsDbContext db, IQueryable<T> query)
    {
        await using DbCommand command = query.CreateDbCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        await db.Database.OpenConnectionAsync();
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(3));
        }

        return string.Join('\n', lines);
    }
}
