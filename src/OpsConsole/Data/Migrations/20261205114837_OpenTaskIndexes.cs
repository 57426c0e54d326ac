using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class OpenTaskIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_tasks_Status_CreatedOn",
                table: "tasks",
                columns: new[] { "Status", "CreatedOn" });

            migrationBuilder.CreateIndex(
                name: "IX_tasks_open_created",
                table: "tasks",
                column: "CreatedOn",
                filter: "\"Status\" NOT IN ('Completed', 'Cancelled')");

            migrationBuilder.CreateIndex(
                name: "IX_tasks_open_rank",
                table: "tasks",
                columns: new[] { "Priority", "CreatedOn" },
                filter: "\"Status\" NOT IN ('Completed', 'Cancelled')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_Status_CreatedOn",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_open_created",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "IX_tasks_open_rank",
                table: "tasks");
        }
    }
}
