using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class HeldTasksIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_AssignedAgentId_Status",
                table: "tasks");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_AssignedAgentId_Status",
                table: "tasks",
                columns: new[] { "AssignedAgentId", "Status" },
                filter: "\"AssignedAgentId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_AssignedAgentId_Status",
                table: "tasks");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_AssignedAgentId_Status",
                table: "tasks",
                columns: new[] { "AssignedAgentId", "Status" });
        }
    }
}
