using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AgentTasksByCreation : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_tasks_agent_created",
                table: "tasks",
                columns: new[] { "AssignedAgentId", "CreatedOn" },
                filter: "\"AssignedAgentId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_agent_created",
                table: "tasks");
        }
    }
}
