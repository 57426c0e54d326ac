using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

/// <summary>
/// Every stored row gets a time-ordered id (UUID version 7), so inserts land on the last pages of the id indexes instead of
/// random ones (a commit then writes a few pages, not one per row); on the wire they are ordinary UUIDs.
/// </summary>
public sealed class NewIdTests
{
    [Fact]
    public void New_rows_of_every_kind_that_is_written_per_task_get_time_ordered_ids()
    {
        Guid[] ids =
        [
            new WorkItem().Id, new Agent().Id, new Assignment().Id, new WorkItemLogEntry().Id, new AuditEntry().Id,
            new UsageRecord().Id, new TaskMessage().Id, new FailureRecord().Id,
        ];

        Assert.All(ids, id => Assert.Equal(7, id.Version));
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }
}
