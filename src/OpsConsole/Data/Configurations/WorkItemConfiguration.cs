using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class WorkItemConfiguration : IEntityTypeConfiguration<WorkItem>
{
    /// <summary>
    /// The open tasks: the filter of the partial indexes below, word for word the SQL EF writes for
    /// <c>Status != Completed &amp;&amp; Status != Cancelled</c> (SQLite uses a partial index only for a query that repeats its filter).
    /// </summary>
    public const string OpenTasks = "\"Status\" NOT IN ('Completed', 'Cancelled')";

    public void Configure(EntityTypeBuilder<WorkItem> e)
    {
        e.ToTable("tasks");
        e.Ignore(w => w.Events);
        e.Property(w => w.Title).HasMaxLength(200);
        e.Property(w => w.Kind).HasConversion<string>().HasMaxLength(30);
        e.Property(w => w.Status).HasConversion<string>().HasMaxLength(20);
        e.Property(w => w.GithubIssueState).HasConversion<string>().HasMaxLength(20);
        e.Property(w => w.Priority); // stored as its rank, so ORDER BY priority is right
        e.Property(w => w.Environment).HasMaxLength(50);
        e.Property(w => w.Source).HasMaxLength(100);
        e.Property(w => w.Fingerprint).HasMaxLength(100);
        e.Property(w => w.Owner).HasMaxLength(150);
        e.Property(w => w.CreatedBy).HasMaxLength(150);
        e.Property(w => w.ModifiedBy).HasMaxLength(150);
        e.HasOne(w => w.AssignedAgent).WithMany().HasForeignKey(w => w.AssignedAgentId).OnDelete(DeleteBehavior.SetNull);
        e.HasMany(w => w.DependsOn).WithMany(w => w.DependentTasks).UsingEntity(
            "task_dependencies",
            r => r.HasOne(typeof(WorkItem)).WithMany().HasForeignKey("depends_on_id").OnDelete(DeleteBehavior.Cascade),
            l => l.HasOne(typeof(WorkItem)).WithMany().HasForeignKey("task_id").OnDelete(DeleteBehavior.Cascade));
        e.HasIndex(w => new { w.Status, w.Priority, w.CreatedOn });
        // The assignment queue: one seek per (status, kind), already in priority order, so LIMIT stops early.
        e.HasIndex(w => new { w.Status, w.Kind, w.Priority, w.CreatedOn }).IsDescending(false, false, true, false);
        e.HasIndex(w => new { w.Priority, w.CreatedOn });
        e.HasIndex(w => w.CreatedOn);
        // One status newest first (status=failed&ordering=-created_on): one seek, already in order.
        e.HasIndex(w => new { w.Status, w.CreatedOn });
        // The open tasks alone, in the list's default order and newest first (the console's "open only"). The filter is the
        // SQL the list writes for every open status at once (Features/WorkItems/TaskStatusFilter), so both databases use them.
        e.HasIndex(w => new { w.Priority, w.CreatedOn }, "IX_tasks_open_rank").HasFilter(OpenTasks);
        e.HasIndex(w => w.CreatedOn, "IX_tasks_open_created").HasFilter(OpenTasks);
        // An agent's tasks. Only held tasks are in it: a query for unassigned tasks (AssignedAgentId IS NULL, the whole
        // backlog) must seek the queue index above, not walk every waiting task through this one.
        e.HasIndex(w => new { w.AssignedAgentId, w.Status }).HasFilter("\"AssignedAgentId\" IS NOT NULL");
        // One agent's tasks newest first (the console's agent filter by creation time): one seek, already in order.
        e.HasIndex(w => new { w.AssignedAgentId, w.CreatedOn }, "IX_tasks_agent_created").HasFilter("\"AssignedAgentId\" IS NOT NULL");
        e.HasIndex(w => w.Fingerprint);
        // One open task per problem, held by the database whatever runs at the same time (two requests, two nodes).
        e.HasIndex(w => w.Fingerprint, "IX_tasks_open_fingerprint").IsUnique()
            .HasFilter("\"Fingerprint\" IS NOT NULL AND " + OpenTasks);
        e.Property<long>(OpsDbContext.VersionColumn).IsConcurrencyToken();
        e.Property(w => w.CostUsd).HasPrecision(18, 6);
        e.Property(w => w.BudgetUsd).HasPrecision(18, 6);

        // One task per GitHub issue taken in (GitHub:IntakeLabel): the webhook and the poll may race, on two nodes.
        e.HasIndex(w => w.GithubIssueNumber, "IX_tasks_intake_issue").IsUnique()
            .HasFilter("\"GithubIssueNumber\" IS NOT NULL AND \"Source\" = 'github_issue'");

        // The pull requests that work on the task (the pull-request loop); loaded with the task wherever it is read.
        e.OwnsMany(w => w.PullRequests, p =>
        {
            p.ToTable("task_pull_requests");
            p.WithOwner().HasForeignKey("WorkItemId");
            p.HasKey("WorkItemId", nameof(PullRequestLink.Number));
            p.Property(x => x.Number).ValueGeneratedNever();
            p.Property(x => x.Url).HasMaxLength(500);
            p.Property(x => x.Title).HasMaxLength(300);
            p.Property(x => x.State).HasConversion<string>().HasMaxLength(10);
            p.Property(x => x.Checks).HasConversion<string>().HasMaxLength(10);
            p.Property(x => x.HeadSha).HasMaxLength(64);
            p.Property(x => x.HeadBranch).HasMaxLength(255);
            p.HasIndex(x => x.Number);
            p.HasIndex(x => x.HeadSha);
        });
    }
}
