using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class RowVersionsAndOpenFingerprint : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "tasks",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "Version",
                table: "agents",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateIndex(
                name: "IX_tasks_open_fingerprint",
                table: "tasks",
                column: "Fingerprint",
                unique: true,
                filter: "\"Fingerprint\" IS NOT NULL AND \"Status\" NOT IN ('Completed', 'Cancelled')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_tasks_open_fingerprint",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "agents");
        }
    }
}
