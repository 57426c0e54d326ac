using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Data;
using OpsConsole.Domain;
using OpsConsole.Features.Orchestration;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// The rules that keep tasks and agents right under concurrency are the database's: these tests write around the unit of
/// work, through separate contexts and through two app instances on one SQLite file, and fail if the database stops
/// enforcing them (no engine lock is involved anywhere).
/// </summary>
public abstract class DatabaseConcurrencyTests(OpsConsoleFactory app)
{

    protected OpsConsoleFactory App => app;

    private DateTime Now => app.Time.GetUtcNow().UtcDateTime;

    private AssignmentDispatcher Dispatcher => app.Services.GetRequiredService<AssignmentDispatcher>();

    [Fact]
    public async Task Two_writers_that_read_an_agent_with_one_free_slot_cannot_both_take_it()
    {
        var agentId = await NewAgentAsync(capacity: 1);
        var first = await NewTaskAsync();
        var second = await NewTaskAsync();

        await using var a = await app.DbAsync();
        await using var b = await app.DbAsync();
        var agentA = await a.Agents.SingleAsync(x => x.Id == agentId);
        var agentB = await b.Agents.SingleAsync(x => x.Id == agentId);
        Assert.True(agentA.IsAvailableForAssignment);
        Assert.True(agentB.IsAvailableForAssignment);

        Dispatcher.Assign(a, await a.WorkItems.SingleAsync(w => w.Id == first), agentA, "a", 1, [], Actor.Engine, Now);
        Dispatcher.Assign(b, await b.WorkItems.SingleAsync(w => w.Id == second), agentB, "b", 1, [], Actor.Engine, Now);
        await a.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());

        await using var check = await app.DbAsync();
        var agent = await check.Agents.SingleAsync(x => x.Id == agentId);
        Assert.Equal(1, agent.ActiveTaskCount);
        Assert.Equal(1, await check.Assignments.CountAsync(x => x.AgentId == agentId && x.IsActive));
        Assert.Equal(WorkItemStatus.Pending, (await check.WorkItems.SingleAsync(w => w.Id == second)).Status);
    }

    [Fact]
    public async Task Two_writers_that_read_the_same_waiting_task_cannot_both_assign_it()
    {
        var one = await NewAgentAsync(capacity: 3);
        var other = await NewAgentAsync(capacity: 3);
        var taskId = await NewTaskAsync();

        await using var a = await app.DbAsync();
        await using var b = await app.DbAsync();
        Dispatcher.Assign(a, await a.WorkItems.SingleAsync(w => w.Id == taskId), await a.Agents.SingleAsync(x => x.Id == one), "a", 1, [], Actor.Engine, Now);
        Dispatcher.Assign(b, await b.WorkItems.SingleAsync(w => w.Id == taskId), await b.Agents.SingleAsync(x => x.Id == other), "b", 1, [], Actor.Engine, Now);
        await a.SaveChangesAsync();
        await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => b.SaveChangesAsync());

        await using var check = await app.DbAsync();
        Assert.Equal(one, (await check.WorkItems.SingleAsync(w => w.Id == taskId)).AssignedAgentId);
        Assert.Equal(1, await check.Assignments.CountAsync(x => x.WorkItemId == taskId && x.IsActive));
        Assert.Equal(0, (await check.Agents.SingleAsync(x => x.Id == other)).ActiveTaskCount);
    }

    [Fact]
    public async Task The_database_holds_one_open_task_per_fingerprint_and_allows_a_new_one_once_it_is_completed()
    {
        var fingerprint = $"fp-{Guid.NewGuid():N}";
        await using (var a = await app.DbAsync())
        {
            a.WorkItems.Add(new WorkItem { Title = "first", Kind = WorkItemKind.Documentation, AutoAssign = false, Fingerprint = fingerprint, CreatedOn = Now });
            await a.SaveChangesAsync();
        }

        await using (var b = await app.DbAsync())
        {
            b.WorkItems.Add(new WorkItem { Title = "second", Kind = WorkItemKind.Documentation, AutoAssign = false, Fingerprint = fingerprint, CreatedOn = Now });
            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => b.SaveChangesAsync());
            Assert.True(WriteConflicts.IsUniqueViolation(refused));
        }

        await using (var c = await app.DbAsync())
        {
            var open = await c.WorkItems.SingleAsync(w => w.Fingerprint == fingerprint);
            open.Cancel(Now);
            c.WorkItems.Add(new WorkItem { Title = "after", Kind = WorkItemKind.Documentation, AutoAssign = false, Fingerprint = fingerprint, CreatedOn = Now });
            await c.SaveChangesAsync();
        }

        await using var check = await app.DbAsync();
        Assert.Equal(2, await check.WorkItems.CountAsync(w => w.Fingerprint == fingerprint));
    }

    [Fact]
    public async Task A_write_with_a_tail_commits_even_when_its_tail_is_refused_and_a_tail_that_runs_commits_with_it()
    {
        var unitOfWork = app.Services.GetRequiredService<UnitOfWork>();
        var (kept, lost) = ($"kept {Guid.NewGuid():N}", $"lost {Guid.NewGuid():N}");
        WriteOperation<int> refusedTail = async (db, now) =>
        {
            db.WorkItems.Add(new WorkItem { Title = lost, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now });
            await db.SaveChangesAsync();
            throw new InvalidOperationException("the tail fails after writing");
        };

        var (id, refused) = await unitOfWork.WriteThenAsync(async (db, now) => await AddTaskAsync(db, kept, now), refusedTail, WriteLane.Updates, CancellationToken.None);

        Assert.Null(refused); // the caller runs what the tail does on its own
        await using (var check = await app.DbAsync())
        {
            Assert.True(await check.WorkItems.AnyAsync(w => w.Id == id && w.Title == kept));
            Assert.False(await check.WorkItems.AnyAsync(w => w.Title == lost));
        }

        var (write, tail) = ($"write {Guid.NewGuid():N}", $"tail {Guid.NewGuid():N}");
        WriteOperation<int> goodTail = async (db, now) =>
        {
            await AddTaskAsync(db, tail, now);
            return 7;
        };
        var (_, ran) = await unitOfWork.WriteThenAsync(async (db, now) => await AddTaskAsync(db, write, now), goodTail, WriteLane.NewWork, CancellationToken.None);

        await using var after = await app.DbAsync();
        Assert.True(await after.WorkItems.AnyAsync(w => w.Title == write));
        if (TailJoinsTheCommit)
        {
            Assert.Equal(7, ran);
            Assert.True(await after.WorkItems.AnyAsync(w => w.Title == tail));
        }
        else
        {
            Assert.Null(ran);
            Assert.False(await after.WorkItems.AnyAsync(w => w.Title == tail));
        }
    }

    [Fact]
    public async Task Log_lines_and_audit_entries_are_written_with_the_save_that_follows_them_and_never_by_a_refused_write()
    {
        // Log lines and audit entries are appended past the change tracker (OpsDbContext.Append): they must still commit
        // with the change they describe, read back as written (encrypted step data included), once each, or not at all.
        var unitOfWork = app.Services.GetRequiredService<UnitOfWork>();
        var person = new Actor($"auditor-{Guid.NewGuid():N}"[..20], ActorKind.User);
        AuditContext.Use(person);
        var (first, second, lost) = ($"first {Guid.NewGuid():N}", $"second {Guid.NewGuid():N}", $"lost {Guid.NewGuid():N}");
        var id = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = new WorkItem { Title = first, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now };
            db.WorkItems.Add(item);
            TaskLog.Add(db, item, LogSeverity.Warning, "appended", first, person, now, """{"detail":"kept"}""", percent: 40);
            await db.SaveChangesAsync();
            item.Title = second; // a second save in the same write appends its own line after the first
            TaskLog.Add(db, item, LogSeverity.Info, "appended", second, person, now);
            await db.SaveChangesAsync();
            return item.Id;
        }, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => unitOfWork.WriteAsync<Guid>(async (db, now) =>
        {
            var item = new WorkItem { Title = lost, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now };
            db.WorkItems.Add(item);
            TaskLog.Add(db, item, LogSeverity.Info, "appended", lost, person, now);
            await db.SaveChangesAsync();
            throw new InvalidOperationException("refused after saving");
        }, CancellationToken.None));
        AuditContext.Clear();

        await using var check = await app.DbAsync();
        var lines = await check.LogEntries.Where(l => l.WorkItemId == id && l.StepName == "appended").OrderBy(l => l.Message).ToListAsync();
        Assert.Equal([first, second], lines.Select(l => l.Message));
        Assert.Equal((LogSeverity.Warning, 40, """{"detail":"kept"}""", person.Name, ActorKind.User), (lines[0].Level, lines[0].Percent, lines[0].StepData, lines[0].Actor, lines[0].ActorKind));
        var audit = await check.AuditEntries.Where(a => a.TargetId == id.ToString()).OrderBy(a => a.Action).Select(a => new { a.Action, a.Actor }).ToListAsync();
        Assert.Equal([new { Action = "created", Actor = person.Name }, new { Action = "updated", Actor = person.Name }], audit);
        Assert.False(await check.WorkItems.AnyAsync(w => w.Title == lost));
        Assert.False(await check.LogEntries.AnyAsync(l => l.Message == lost));
        Assert.Equal(2, await check.AuditEntries.CountAsync(a => a.Actor == person.Name));
    }

    [Fact]
    public async Task A_synchronous_save_writes_the_appended_rows_too()
    {
        var unitOfWork = app.Services.GetRequiredService<UnitOfWork>();
        var person = new Actor($"sync-{Guid.NewGuid():N}"[..20], ActorKind.User);
        var title = $"synchronous {Guid.NewGuid():N}";
        AuditContext.Use(person);
        var id = await unitOfWork.WriteAsync((db, now) =>
        {
            var item = new WorkItem { Title = title, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now };
            db.WorkItems.Add(item);
            TaskLog.Add(db, item, LogSeverity.Info, "appended", title, person, now);
            db.SaveChanges();
            return Task.FromResult(item.Id);
        }, CancellationToken.None);
        AuditContext.Clear();

        await using var check = await app.DbAsync();
        Assert.Equal(title, (await check.LogEntries.SingleAsync(l => l.WorkItemId == id && l.StepName == "appended")).Message);
        Assert.Equal("created", (await check.AuditEntries.SingleAsync(a => a.TargetId == id.ToString())).Action);
    }

    /// <summary>SQLite's writers share one commit per group, and a tail joins it; PostgreSQL's writers commit on their own.</summary>
    protected abstract bool TailJoinsTheCommit { get; }

    protected static async Task<Guid> AddTaskAsync(OpsDbContext db, string title, DateTime now)
    {
        var item = new WorkItem { Title = title, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now };
        db.WorkItems.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    }

    protected async Task<Guid> NewAgentAsync(int capacity)
    {
        await using var db = await app.DbAsync();
        var agent = new Agent { Name = $"race-{Guid.NewGuid():N}"[..20], Kind = AgentKind.General, MaxConcurrentTasks = capacity, CreatedOn = Now, ModifiedOn = Now };
        agent.Heartbeat(Now, "127.0.0.1");
        db.Agents.Add(agent);
        await db.SaveChangesAsync();
        return agent.Id;
    }

    protected async Task<Guid> NewTaskAsync()
    {
        await using var db = await app.DbAsync();
        var item = new WorkItem { Title = $"race {Guid.NewGuid():N}", Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = Now };
        db.WorkItems.Add(item);
        await db.SaveChangesAsync();
        return item.Id;
    }
}

public sealed class SqliteConcurrencyTests(OpsConsoleFactory app) : DatabaseConcurrencyTests(app), IClassFixture<OpsConsoleFactory>
{
    protected override bool TailJoinsTheCommit => true;

    [Fact]
    public async Task Every_connection_waits_for_the_write_lock_and_checks_foreign_keys_also_when_the_pool_hands_it_out_again()
    {
        // The pragmas are applied once per database handle; the pool hands the same handles out again and again.
        for (var open = 0; open < 5; open++)
        {
            await using var db = await App.DbAsync();
            await db.Database.OpenConnectionAsync();
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA foreign_keys";
            Assert.Equal(1L, await command.ExecuteScalarAsync());
            command.CommandText = "PRAGMA busy_timeout";
            Assert.True((long)(await command.ExecuteScalarAsync())! >= 1000);
            command.CommandText = "PRAGMA journal_mode";
            Assert.Equal("wal", await command.ExecuteScalarAsync());
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task New_work_is_written_ahead_of_the_updates_queued_before_it_and_the_updates_still_get_their_turn()
    {
        // Issue 13: creates queued behind agents' progress reports. A task created while reports wait must be written
        // before them (after at most one turn of updates already running), and every report must still be written.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        WriteOperation<int> Recorded(string name) => Recording(order, name);

        // The writer busy with one write while twenty reports and then two new tasks queue behind it: the tasks go first.
        // A third task, created while the first is written, joins their group (it would go ahead of the reports anyway;
        // waiting for their turn and a group of its own was most of a create's worst case), and the reports come after.
        var (busy, running) = Blocking(order, "busy");
        var first = unitOfWork.WriteAsync(busy.Operation, CancellationToken.None);
        await running.Task;
        var reports = Enumerable.Range(1, 20).Select(i => unitOfWork.WriteAsync(Recorded($"report {i}"), CancellationToken.None)).ToList();
        var (task1, writing1) = Blocking(order, "task 1");
        List<Task<int>> created = [unitOfWork.WriteAsync(task1.Operation, WriteLane.NewWork, CancellationToken.None), unitOfWork.WriteAsync(Recorded("task 2"), WriteLane.NewWork, CancellationToken.None)];
        busy.Release.SetResult();
        await writing1.Task;
        created.Add(unitOfWork.WriteAsync(Recorded("task 3"), WriteLane.NewWork, CancellationToken.None));
        task1.Release.SetResult();
        await Task.WhenAll([first, .. created, .. reports]);
        var ran = order.ToList();
        Assert.Equal(["busy", "task 1", "task 2", "task 3"], ran.Take(4));
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"report {i}"), ran.Where(r => r.StartsWith("report", StringComparison.Ordinal)));

        // A turn of updates already running when new work arrives: the new task waits for that turn only, the rest after it.
        order.Clear();
        var (gate, gated) = Blocking(order, "before");
        var before = unitOfWork.WriteAsync(gate.Operation, CancellationToken.None);
        await gated.Task;
        var (turn, turning) = Blocking(order, "report 1");
        reports = [unitOfWork.WriteAsync(turn.Operation, CancellationToken.None), .. Enumerable.Range(2, 19).Select(i => unitOfWork.WriteAsync(Recorded($"report {i}"), CancellationToken.None))];
        gate.Release.SetResult(); // the reports' turn begins with report 1, which holds the writer
        await turning.Task;
        var another = unitOfWork.WriteAsync(Recorded("new task"), WriteLane.NewWork, CancellationToken.None);
        turn.Release.SetResult();
        await Task.WhenAll([before, another, .. reports]);
        ran = order.Skip(1).ToList();
        Assert.InRange(ran.IndexOf("new task"), 1, SqliteWriteQueue.UpdatesPerTurn);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"report {i}"), ran.Where(r => r != "new task"));
    }

    [Fact]
    public async Task When_the_agents_reports_fall_behind_new_work_waits_for_all_but_the_last_few_of_them()
    {
        // As fast as they are answered, creators outrun the agents finishing their tasks: if new work always went first, the
        // reports that free agents would fall further behind and tasks would wait for a full agent (issue 13: creation →
        // TaskAssigned 1.2 s). With more than UpdatesLead reports waiting, a task created waits until only that many are left.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        WriteOperation<int> Recorded(string name) => Recording(order, name);

        const int Reports = 40;
        var (busy, running) = Blocking(order, "busy");
        var first = unitOfWork.WriteAsync(busy.Operation, WriteLane.NewWork, CancellationToken.None);
        await running.Task;
        var (turn, turning) = Blocking(order, "report 1");
        List<Task<int>> reports = [unitOfWork.WriteAsync(turn.Operation, CancellationToken.None),
            .. Enumerable.Range(2, Reports - 1).Select(i => unitOfWork.WriteAsync(Recorded($"report {i}"), CancellationToken.None))];
        busy.Release.SetResult(); // a group of new work ran: the reports' turn begins with report 1, which holds the writer
        await turning.Task;
        var created = unitOfWork.WriteAsync(Recorded("task"), WriteLane.NewWork, CancellationToken.None);
        turn.Release.SetResult(); // the turn runs on while more than the lead wait
        await Task.WhenAll([first, created, .. reports]);

        var ran = order.Skip(1).ToList();
        var reportsBefore = ran.IndexOf("task");
        Assert.InRange(reportsBefore, Reports - SqliteWriteQueue.UpdatesLead, Reports - SqliteWriteQueue.UpdatesLead + 1);
        Assert.Equal(Enumerable.Range(1, Reports).Select(i => $"report {i}"), ran.Where(r => r != "task"));
    }

    /// <summary>A write that records its name as it runs.</summary>
    private static WriteOperation<int> Recording(System.Collections.Concurrent.ConcurrentQueue<string> order, string name) => (_, _) =>
    {
        order.Enqueue(name);
        return Task.FromResult(0);
    };

    /// <summary>A write that records its name, says it is running, and holds the writer until released.</summary>
    private static ((WriteOperation<int> Operation, TaskCompletionSource Release) Write, TaskCompletionSource Running) Blocking(
        System.Collections.Concurrent.ConcurrentQueue<string> order, string name)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        WriteOperation<int> operation = async (_, _) =>
        {
            order.Enqueue(name);
            running.TrySetResult();
            await release.Task;
            return 0;
        };
        return ((operation, release), running);
    }

    [Fact]
    public async Task The_writer_runs_its_prepared_statements_with_each_writes_own_values_and_recovers_from_one_that_failed()
    {
        // The writer keeps its statements prepared (SqliteStatementCache): the same INSERT serves every write, each with
        // its own values, and a statement that failed (here a second open task for one fingerprint) is not used again in a broken state.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var cache = App.Services.GetRequiredService<SqliteStatementCache>();
        var fingerprint = $"prepared-{Guid.NewGuid():N}";
        var first = $"prepared first {Guid.NewGuid():N}";
        var (id, prepared) = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = new WorkItem { Title = first, Fingerprint = fingerprint, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now };
            db.WorkItems.Add(item);
            await db.SaveChangesAsync();
            return (item.Id, cache.Count((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()));
        }, CancellationToken.None);
        Assert.True(prepared > 0, "the writer's connection keeps no statement prepared");

        var duplicate = $"prepared duplicate {Guid.NewGuid():N}";
        var refused = await Assert.ThrowsAsync<RefusedException>(() => unitOfWork.WriteAsync(async (db, now) =>
        {
            db.WorkItems.Add(new WorkItem { Title = duplicate, Fingerprint = fingerprint, Kind = WorkItemKind.Documentation, AutoAssign = false, CreatedOn = now });
            return await db.SaveChangesAsync();
        }, CancellationToken.None));
        Assert.Equal(RefusalKind.Conflict, refused.Kind);

        var later = Enumerable.Range(0, 5).Select(i => $"prepared later {i} {Guid.NewGuid():N}").ToList();
        var ids = new List<Guid>();
        foreach (var title in later)
        {
            ids.Add(await unitOfWork.WriteAsync(async (db, now) => await AddTaskAsync(db, title, now), CancellationToken.None));
        }

        await using var check = await App.DbAsync();
        Assert.Equal(first, (await check.WorkItems.SingleAsync(w => w.Id == id)).Title);
        Assert.False(await check.WorkItems.AnyAsync(w => w.Title == duplicate));
        var stored = await check.WorkItems.Where(w => ids.Contains(w.Id)).ToDictionaryAsync(w => w.Id, w => w.Title);
        Assert.Equal(later, ids.Select(i => stored[i]));
    }

    [Fact]
    public async Task A_reader_on_a_lent_connection_sees_every_commit_made_before_it_asks_even_after_leaving_a_query_unfinished()
    {
        // Readers keep their connections open between uses (their statements stay prepared): none may read from an old
        // snapshot, not even after a use that stopped reading part-way (the connection then must not be lent again as it is).
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        for (var round = 0; round < 40; round++)
        {
            var unfinished = await App.DbAsync();
            var rows = unfinished.WorkItems.AsNoTracking().AsAsyncEnumerable().GetAsyncEnumerator();
            await rows.MoveNextAsync(); // one row read, and the statement still open when the context goes back
            await unfinished.DisposeAsync();

            var title = $"fresh {round} {Guid.NewGuid():N}";
            await unitOfWork.WriteAsync(async (db, now) => await AddTaskAsync(db, title, now), CancellationToken.None);
            var readers = new List<OpsDbContext>();
            try
            {
                for (var reader = 0; reader < 4; reader++)
                {
                    readers.Add(await App.DbAsync());
                    Assert.True(await readers[^1].WorkItems.AnyAsync(w => w.Title == title), $"round {round}, reader {reader} did not see a committed task");
                }
            }
            finally
            {
                foreach (var reader in readers)
                {
                    await reader.DisposeAsync();
                }

                await rows.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Changed_rows_a_write_saves_read_back_as_written_with_one_audit_entry_each_and_a_stale_version_is_refused_with_what_changed()
    {
        // Inside a write, a save that only changes stored rows is written by RowUpdater (one prepared UPDATE per row): every
        // kind of column must read back as EF would have written it, the row versions move by one, the audit sees each change
        // once, and a row whose version moved since it was read changes nothing and ends in a 409 naming what changed.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var person = new Actor($"updater-{Guid.NewGuid():N}"[..20], ActorKind.User);
        var agentId = await NewAgentAsync(capacity: 2);
        var taskId = await NewTaskAsync();
        var due = new DateTime(2027, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(6);
        await using var before = await App.DbAsync();
        var stale = await before.Agents.AsNoTracking().Where(a => a.Id == agentId)
            .Select(a => new { Agent = a, Version = EF.Property<long>(a, OpsDbContext.VersionColumn) }).SingleAsync();
        var name = stale.Agent.Name;

        AuditContext.Use(person);
        var updates = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await db.WorkItems.SingleAsync(w => w.Id == taskId);
            var agent = await db.Agents.SingleAsync(a => a.Id == agentId);
            (item.Title, item.DueDate, item.Kind, item.Environment) = ("changed by a write", due, WorkItemKind.Testing, null);
            (agent.Capabilities, agent.Environments, agent.PriorityWeight) = ([WorkItemKind.Testing, WorkItemKind.BugFix], ["staging", "prod"], 2.5);
            await db.SaveChangesAsync();
            return App.Services.GetRequiredService<SqliteStatementCache>().Statements((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection());
        }, CancellationToken.None);
        Assert.Contains(updates, sql => sql.StartsWith("UPDATE \"tasks\" SET", StringComparison.Ordinal) && !sql.Contains("RETURNING", StringComparison.Ordinal));
        Assert.Contains(updates, sql => sql.StartsWith("UPDATE \"agents\" SET", StringComparison.Ordinal) && !sql.Contains("RETURNING", StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<RefusedException>(() => unitOfWork.WriteAsync(async (db, now) =>
        {
            var version = db.Agents.Attach(stale.Agent).Property<long>(OpsDbContext.VersionColumn);
            version.CurrentValue = version.OriginalValue = stale.Version; // as read before the write above: one behind
            stale.Agent.Name = "stale writer";
            return await db.SaveChangesAsync();
        }, CancellationToken.None));
        AuditContext.Clear();

        Assert.Equal(RefusalKind.Conflict, refused.Kind);
        Assert.Contains($"agent {agentId} was changed (", refused.Message);
        Assert.Contains("capabilities", refused.Message);
        await using var check = await App.DbAsync();
        var task = await check.WorkItems.SingleAsync(w => w.Id == taskId);
        var stored = await check.Agents.SingleAsync(a => a.Id == agentId);
        Assert.Equal(("changed by a write", due, DateTimeKind.Utc, WorkItemKind.Testing, (string?)null), (task.Title, task.DueDate, task.DueDate!.Value.Kind, task.Kind, task.Environment));
        Assert.Equal([WorkItemKind.Testing, WorkItemKind.BugFix], stored.Capabilities);
        Assert.Equal(["staging", "prod"], stored.Environments);
        Assert.Equal((2.5, name), (stored.PriorityWeight, stored.Name));
        Assert.Equal(1L, check.Entry(task).Property<long>(OpsDbContext.VersionColumn).CurrentValue);
        Assert.Equal(1L, check.Entry(stored).Property<long>(OpsDbContext.VersionColumn).CurrentValue);
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Actor == person.Name && a.TargetId == taskId.ToString() && a.Action == "updated"));
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Actor == person.Name && a.TargetId == agentId.ToString()));
    }

    [Fact]
    public async Task A_task_a_write_creates_reads_back_as_written_and_a_second_open_task_for_its_fingerprint_is_refused()
    {
        // Inside a write, new tasks (with the changes of the same save) are inserted by RowInserter from the change tracker,
        // shadow row version included: every kind of column must read back as EF would have written it, the task's creation
        // must be audited and logged once, its version must start at 0 so the next change is checked, and the database's
        // unique index must still refuse a second open task for one fingerprint.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var creation = App.Services.GetRequiredService<TaskCreation>();
        var person = new Actor($"creator-{Guid.NewGuid():N}"[..20], ActorKind.User);
        var fingerprint = $"insert-{Guid.NewGuid():N}";
        var due = new DateTime(2027, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(8);
        var spec = new NewWorkItem
        {
            Title = "created by a write", Description = "line one\nline two", Kind = WorkItemKind.Deployment, Priority = WorkItemPriority.High,
            DueDate = due, EstimatedDuration = TimeSpan.FromMinutes(95), InputData = """{"service":"api","attempt":2}""", AutoAssign = false,
            MaxRetries = 5, Environment = "staging", Source = "ci", Fingerprint = fingerprint, MaxRunMinutes = 30, BudgetUsd = 1.234567m,
        };

        AuditContext.Use(person);
        var (taskId, statements) = await unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await creation.AddTaskAsync(db, spec, person, now, CancellationToken.None);
            await creation.CommitCreatedAsync(db, [item], now, CancellationToken.None);
            return (item.Id, App.Services.GetRequiredService<SqliteStatementCache>().Statements((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()));
        }, CancellationToken.None);
        var duplicate = await Assert.ThrowsAsync<RefusedException>(() => unitOfWork.WriteAsync(async (db, now) =>
        {
            var item = await creation.AddTaskAsync(db, spec with { Title = "the same problem again" }, person, now, CancellationToken.None);
            await creation.CommitCreatedAsync(db, [item], now, CancellationToken.None);
            return item.Id;
        }, CancellationToken.None));
        AuditContext.Clear();

        // RowInserter's one-line INSERT, not EF's batched one (a line break before VALUES, a semicolon after it).
        Assert.Contains(statements, sql => sql.StartsWith("INSERT INTO \"tasks\" (", StringComparison.Ordinal) && sql.Contains(") VALUES (", StringComparison.Ordinal) && !sql.Contains(';'));
        Assert.Equal(RefusalKind.Conflict, duplicate.Kind);
        await using var check = await App.DbAsync();
        var task = await check.WorkItems.SingleAsync(w => w.Id == taskId);
        Assert.Equal(
            ("created by a write", "line one\nline two", WorkItemKind.Deployment, WorkItemPriority.High, due, DateTimeKind.Utc, TimeSpan.FromMinutes(95)),
            (task.Title, task.Description, task.Kind, task.Priority, task.DueDate, task.DueDate!.Value.Kind, task.EstimatedDuration));
        Assert.Equal(("""{"service":"api","attempt":2}""", false, 5, "staging", "ci", fingerprint, 30, 1.234567m),
            (task.InputData, task.AutoAssign, task.MaxRetries, task.Environment, task.Source, task.Fingerprint, task.MaxRunMinutes, task.BudgetUsd));
        Assert.Equal((WorkItemStatus.Pending, person.Name, person.Name, (Guid?)null), (task.Status, task.Owner, task.CreatedBy, task.AssignedAgentId));
        Assert.Equal(0L, check.Entry(task).Property<long>(OpsDbContext.VersionColumn).CurrentValue);
        Assert.Equal(1, await check.WorkItems.CountAsync(w => w.Fingerprint == fingerprint));
        Assert.Equal(1, await check.AuditEntries.CountAsync(a => a.Actor == person.Name && a.TargetId == taskId.ToString() && a.Action == "created"));
        Assert.Equal(1, await check.LogEntries.CountAsync(l => l.WorkItemId == taskId && l.StepName == "created"));

        // The stored version is the one the next change is checked against.
        task.Title = "changed after it was created";
        await check.SaveChangesAsync();
        Assert.Equal(1L, check.Entry(task).Property<long>(OpsDbContext.VersionColumn).CurrentValue);
    }

    [Fact]
    public async Task A_statement_with_a_bound_limit_keeps_its_plan_for_every_value_on_the_writers_and_the_readers_connections()
    {
        // EF writes every Take and every page of a list as LIMIT @p. Since 3.47 SQLite prepares such a statement again on
        // each run unless the connection has the query planner stability guarantee (a third of a millisecond for the
        // assignment pass's query, on the writer): the connections the app opens have it.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        var onWriter = await unitOfWork.WriteAsync((db, _) => Task.FromResult(PreparedAgainForEachLimit(db)), CancellationToken.None);
        await using var reader = await App.DbAsync();
        await reader.Database.OpenConnectionAsync();

        Assert.Equal(0, onWriter);
        Assert.Equal(0, PreparedAgainForEachLimit(reader));
    }

    /// <summary>How many times SQLite prepared one statement again while it ran with three different LIMIT values.</summary>
    private static int PreparedAgainForEachLimit(OpsDbContext db)
    {
        const int timesPreparedAgain = 5; // SQLITE_STMTSTATUS_REPREPARE
        var handle = ((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).Handle!;
        Assert.Equal(SQLitePCL.raw.SQLITE_OK, SQLitePCL.raw.sqlite3_prepare_v2(handle, "SELECT \"Id\" FROM \"tasks\" ORDER BY \"CreatedOn\" LIMIT ?1", out var statement));
        using (statement)
        {
            foreach (var limit in new[] { 1, 2, 3 })
            {
                SQLitePCL.raw.sqlite3_bind_int(statement, 1, limit);
                while (SQLitePCL.raw.sqlite3_step(statement) == SQLitePCL.raw.SQLITE_ROW)
                {
                }

                SQLitePCL.raw.sqlite3_reset(statement);
            }

            return SQLitePCL.raw.sqlite3_stmt_status(statement, timesPreparedAgain, 0);
        }
    }

    [Fact]
    public async Task A_connection_a_statement_failed_on_is_not_lent_again_and_the_next_reader_works()
    {
        Microsoft.Data.Sqlite.SqliteConnection used;
        await using (var failing = await App.DbAsync())
        {
            used = (Microsoft.Data.Sqlite.SqliteConnection)failing.Database.GetDbConnection();
            await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => failing.Database.SqlQueryRaw<int>("SELECT nothing FROM no_such_table").ToListAsync());
        }

        await using var next = await App.DbAsync();
        Assert.NotSame(used, next.Database.GetDbConnection());
        Assert.True(await next.WorkItems.CountAsync() >= 0);
        Assert.NotEqual(System.Data.ConnectionState.Open, used.State);
    }

    [Fact]
    public async Task A_context_the_writer_used_goes_back_to_the_pool_with_its_own_connection_so_no_reader_sees_an_uncommitted_write()
    {
        // Contexts come from a pool, and the writer lends its contexts its own connection: each must get its own back.
        var unitOfWork = App.Services.GetRequiredService<UnitOfWork>();
        for (var write = 0; write < 5; write++)
        {
            await unitOfWork.WriteAsync(async (db, now) => await AddTaskAsync(db, $"pooled {Guid.NewGuid():N}", now), CancellationToken.None);
        }

        var uncommitted = $"uncommitted {Guid.NewGuid():N}";
        var seen = await unitOfWork.WriteAsync(async (db, now) =>
        {
            await AddTaskAsync(db, uncommitted, now);
            var writers = db.Database.GetDbConnection();
            var readers = new List<OpsDbContext>();
            try
            {
                var saw = new List<string>();
                for (var reader = 0; reader < 512; reader++) // every context the pool holds, the lent ones among them
                {
                    readers.Add(await App.DbAsync());
                    if (ReferenceEquals(readers[^1].Database.GetDbConnection(), writers))
                    {
                        saw.Add($"context {reader} came from the pool on the writer's connection");
                    }
                    else if (reader % 16 == 0 && await readers[^1].WorkItems.AnyAsync(w => w.Title == uncommitted))
                    {
                        saw.Add($"context {reader} saw the uncommitted task");
                    }
                }

                return saw;
            }
            finally
            {
                foreach (var reader in readers)
                {
                    await reader.DisposeAsync();
                }
            }
        }, CancellationToken.None);

        Assert.Empty(seen);
        await using var after = await App.DbAsync();
        Assert.True(await after.WorkItems.AnyAsync(w => w.Title == uncommitted));
    }
}

public sealed class PostgresConcurrencyTests(PostgresOpsConsoleFactory app) : DatabaseConcurrencyTests(app), IClassFixture<PostgresOpsConsoleFactory>
{
    protected override bool TailJoinsTheCommit => false;
}
