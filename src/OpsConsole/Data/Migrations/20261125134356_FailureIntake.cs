using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class FailureIntake : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "bug_reports",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: false),
                    StepsToReproduce = table.Column<string>(type: "TEXT", nullable: true),
                    ExpectedBehavior = table.Column<string>(type: "TEXT", nullable: true),
                    ActualBehavior = table.Column<string>(type: "TEXT", nullable: true),
                    Severity = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ReporterName = table.Column<string>(type: "TEXT", maxLength: 150, nullable: true),
                    ReporterEmail = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    PageTitle = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    BrowserInfo = table.Column<string>(type: "TEXT", nullable: true),
                    UserAgent = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    ApplicationState = table.Column<string>(type: "TEXT", nullable: true),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    GithubIssueNumber = table.Column<int>(type: "INTEGER", nullable: true),
                    GithubIssueUrl = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 150, nullable: false),
                    CreatedOn = table.Column<DateTime>(type: "TEXT", nullable: false),
                    WorkItemId = table.Column<Guid>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_bug_reports", x => x.Id);
                    table.ForeignKey(
                        name: "FK_bug_reports_tasks_WorkItemId",
                        column: x => x.WorkItemId,
                        principalTable: "tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "deployment_log_cursors",
                columns: table => new
                {
                    Path = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    HeadHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HeadLength = table.Column<int>(type: "INTEGER", nullable: false),
                    Offset = table.Column<long>(type: "INTEGER", nullable: false),
                    LineNumber = table.Column<long>(type: "INTEGER", nullable: false),
                    EntriesRead = table.Column<int>(type: "INTEGER", nullable: false),
                    Format = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    MalformedLines = table.Column<long>(type: "INTEGER", nullable: false),
                    FailuresSeen = table.Column<long>(type: "INTEGER", nullable: false),
                    Rotations = table.Column<int>(type: "INTEGER", nullable: false),
                    Truncations = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_deployment_log_cursors", x => x.Path);
                });

            migrationBuilder.CreateTable(
                name: "failure_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    OccurredAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    ReportedSource = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    Environment = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    DeploymentId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Step = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    ErrorMessage = table.Column<string>(type: "TEXT", nullable: false),
                    Severity = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    WorkItemId = table.Column<Guid>(type: "TEXT", nullable: true),
                    MaintenanceRuleId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_failure_records", x => x.Id);
                    table.ForeignKey(
                        name: "FK_failure_records_tasks_WorkItemId",
                        column: x => x.WorkItemId,
                        principalTable: "tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "webhook_deliveries",
                columns: table => new
                {
                    DeliveryId = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Event = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_webhook_deliveries", x => x.DeliveryId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_bug_reports_CreatedOn",
                table: "bug_reports",
                column: "CreatedOn");

            migrationBuilder.CreateIndex(
                name: "IX_bug_reports_WorkItemId",
                table: "bug_reports",
                column: "WorkItemId");

            migrationBuilder.CreateIndex(
                name: "IX_failure_records_Fingerprint",
                table: "failure_records",
                column: "Fingerprint");

            migrationBuilder.CreateIndex(
                name: "IX_failure_records_Outcome_ReceivedAt",
                table: "failure_records",
                columns: new[] { "Outcome", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_failure_records_ReceivedAt",
                table: "failure_records",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_failure_records_WorkItemId",
                table: "failure_records",
                column: "WorkItemId");

            migrationBuilder.CreateIndex(
                name: "IX_webhook_deliveries_ReceivedAt",
                table: "webhook_deliveries",
                column: "ReceivedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bug_reports");

            migrationBuilder.DropTable(
                name: "deployment_log_cursors");

            migrationBuilder.DropTable(
                name: "failure_records");

            migrationBuilder.DropTable(
                name: "webhook_deliveries");
        }
    }
}
