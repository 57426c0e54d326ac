using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class BugReportConfiguration : IEntityTypeConfiguration<BugReport>
{
    public void Configure(EntityTypeBuilder<BugReport> e)
    {
        e.ToTable("bug_reports");
        e.Property(b => b.Title).HasMaxLength(200);
        e.Property(b => b.Severity).HasConversion<string>().HasMaxLength(20);
        e.Property(b => b.ReporterName).HasMaxLength(150);
        e.Property(b => b.ReporterEmail).HasMaxLength(254);
        e.Property(b => b.Url).HasMaxLength(2000);
        e.Property(b => b.PageTitle).HasMaxLength(500);
        e.Property(b => b.UserAgent).HasMaxLength(1000);
        e.Property(b => b.Environment).HasMaxLength(50);
        e.Property(b => b.GithubIssueUrl).HasMaxLength(500);
        e.Property(b => b.CreatedBy).HasMaxLength(150);
        e.HasOne<WorkItem>().WithMany().HasForeignKey(b => b.WorkItemId).OnDelete(DeleteBehavior.SetNull);
        e.HasIndex(b => b.CreatedOn);
    }
}
