using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class GitHubIntakeAndPullRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "TargetNumber",
                table: "github_outbox",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "task_pull_requests",
                columns: table => new
                {
                    Number = table.Column<int>(type: "INTEGER", nullable: false),
                    WorkItemId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    Title = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    HeadSha = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    HeadBranch = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Checks = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    Runs = table.Column<string>(type: "TEXT", nullable: false),
                    FeedbackCount = table.Column<int>(type: "INTEGER", nullable: false),
                    Escalated = table.Column<bool>(type: "INTEGER", nullable: false),
                    LinkedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task_pull_requests", x => new { x.WorkItemId, x.Number });
                    table.ForeignKey(
                        name: "FK_task_pull_requests_tasks_WorkItemId",
                        column: x => x.WorkItemId,
                        principalTable: "tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_intake_issue",
                table: "tasks",
                column: "GithubIssueNumber",
                unique: true,
                filter: "\"GithubIssueNumber\" IS NOT NULL AND \"Source\" = 'github_issue'");

            migrationBuilder.CreateIndex(
                name: "IX_task_pull_requests_HeadSha",
                table: "task_pull_requests",
                column: "HeadSha");

            migrationBuilder.CreateIndex(
                name: "IX_task_pull_requests_Number",
                table: "task_pull_requests",
                column: "Number");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "task_pull_requests");

            migrationBuilder.DropIndex(
                name: "IX_tasks_intake_issue",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "TargetNumber",
                table: "github_outbox");
        }
    }
}
