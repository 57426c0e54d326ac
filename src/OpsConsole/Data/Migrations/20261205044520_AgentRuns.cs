using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class AgentRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<decimal>(
                name: "BudgetUsd",
                table: "tasks",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "CostUsd",
                table: "tasks",
                type: "TEXT",
                precision: 18,
                scale: 6,
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastReportAt",
                table: "tasks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MaxRunMinutes",
                table: "tasks",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RunStartedAt",
                table: "tasks",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Stalls",
                table: "tasks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ErrorMessage",
                table: "assignments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OutputTail",
                table: "assignments",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "task_messages",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkItemId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 150, nullable: false),
                    CreatedOn = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_task_messages", x => x.Id);
                    table.ForeignKey(
                        name: "FK_task_messages_tasks_WorkItemId",
                        column: x => x.WorkItemId,
                        principalTable: "tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "usage_records",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkItemId = table.Column<Guid>(type: "TEXT", nullable: false),
                    AssignmentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AgentId = table.Column<Guid>(type: "TEXT", nullable: true),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    CostUsd = table.Column<decimal>(type: "TEXT", precision: 18, scale: 6, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_usage_records", x => x.Id);
                    table.ForeignKey(
                        name: "FK_usage_records_tasks_WorkItemId",
                        column: x => x.WorkItemId,
                        principalTable: "tasks",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_task_messages_WorkItemId_CreatedOn",
                table: "task_messages",
                columns: new[] { "WorkItemId", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_usage_records_At",
                table: "usage_records",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_usage_records_WorkItemId_AssignmentId",
                table: "usage_records",
                columns: new[] { "WorkItemId", "AssignmentId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "task_messages");

            migrationBuilder.DropTable(
                name: "usage_records");

            migrationBuilder.DropColumn(
                name: "BudgetUsd",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "CostUsd",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "LastReportAt",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "MaxRunMinutes",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "RunStartedAt",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "Stalls",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "ErrorMessage",
                table: "assignments");

            migrationBuilder.DropColumn(
                name: "OutputTail",
                table: "assignments");
        }
    }
}
