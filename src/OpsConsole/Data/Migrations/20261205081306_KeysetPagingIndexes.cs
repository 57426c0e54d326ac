using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class KeysetPagingIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_DueDate",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_Kind_Status",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_NextAttemptAt",
                table: "tasks");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_AssignedAgentId_Priority_CreatedOn",
                table: "tasks",
                columns: new[] { "AssignedAgentId", "Priority", "CreatedOn" },
                filter: "\"AssignedAgentId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_DueDate_Priority_CreatedOn",
                table: "tasks",
                columns: new[] { "DueDate", "Priority", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_EscalationLevel_Priority_CreatedOn",
                table: "tasks",
                columns: new[] { "EscalationLevel", "Priority", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_Kind_Priority_CreatedOn",
                table: "tasks",
                columns: new[] { "Kind", "Priority", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_ModifiedOn",
                table: "tasks",
                column: "ModifiedOn");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_NextAttemptAt_Priority_CreatedOn",
                table: "tasks",
                columns: new[] { "NextAttemptAt", "Priority", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_Title",
                table: "tasks",
                column: "Title");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_needs_attention",
                table: "tasks",
                columns: new[] { "Priority", "CreatedOn" },
                filter: "\"NeedsAttention\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_AssignedAgentId_Priority_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_DueDate_Priority_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_EscalationLevel_Priority_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_Kind_Priority_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_ModifiedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_NextAttemptAt_Priority_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_Title",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_needs_attention",
                table: "tasks");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_DueDate",
                table: "tasks",
                column: "DueDate");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_Kind_Status",
                table: "tasks",
                columns: new[] { "Kind", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_NextAttemptAt",
                table: "tasks",
                column: "NextAttemptAt");
        }
    }
}
