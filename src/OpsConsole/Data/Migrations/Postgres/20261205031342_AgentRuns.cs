using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace OpsConsole.Data.Migrations.Postgres
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
                type: "numeric",
                nullable: true);

            migrationBuilder.AddColumn<decimal>(
                name: "CostUsd",
                table: "tasks",
                type: "numeric",
                nullable: false,
                defaultValue: 0m);

            migrationBuilder.AddColumn<DateTime>(
                name: "LastReportAt",
                table: "tasks",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "MaxRunMinutes",
                table: "tasks",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "RunStartedAt",
                table: "tasks",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Stalls",
                table: "tasks",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "ErrorMessage",
                table: "assignments",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "OutputTail",
                table: "assignments",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
