using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using OpsConsole.Domain;

namespace OpsConsole.Data.Configurations;

public sealed class BugReportScreenshotConfiguration : IEntityTypeConfiguration<BugReportScreenshot>
{
    public void Configure(EntityTypeBuilder<BugReportScreenshot> e)
    {
        e.ToTable("bug_report_screenshots");
        e.HasKey(s => s.BugReportId);
        e.Property(s => s.ContentType).HasMaxLength(50);
        e.HasOne<BugReport>().WithOne().HasForeignKey<BugReportScreenshot>(s => s.BugReportId).OnDelete(DeleteBehavior.Cascade);
    }
}
