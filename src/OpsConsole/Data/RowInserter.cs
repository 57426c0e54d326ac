using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace OpsConsole.Data;

/// <summary>
/// Appends many rows of one plain table (no navigations to fix up, no shadow or store-generated columns, nothing an
/// interceptor watches) inside the current unit of work: one INSERT prepared once and run per row with new values, instead
/// of the change tracker's per-row bookkeeping and a freshly prepared statement per batch. Each value goes through the
/// column's own EF type mapping (its converters, encryption included), so a row reads back exactly as one EF inserted.
/// A storm's failure records are the case: hundreds per request, each written once and never updated.
/// </summary>
public static class RowInserter
{
    public static async Task InsertAsync<T>(this OpsDbContext db, IReadOnlyCollection<T> rows, CancellationToken cancellationToken)
        where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }

        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties().Select(p => (Property: p, Column: p.GetColumnName(table))).Where(c => c.Column is not null).ToList();
        if (columns.Any(c => c.Property.IsShadowProperty() || c.Property.ValueGenerated != ValueGenerated.Never && !c.Property.IsPrimaryKey()))
        {
            throw new InvalidOperationException($"{typeof(T).Name} has shadow or store-generated columns; insert it through the change tracker");
        }

        var sql = db.GetService<ISqlGenerationHelper>();
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rows are appended inside a unit of work's transaction");
        command.CommandText =
            $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Column!)))}) " +
            $"VALUES ({string.Join(", ", columns.Select((_, i) => sql.GenerateParameterNamePlaceholder($"p{i}")))})";

        var mappings = columns.Select(c => c.Property.GetRelationalTypeMapping()).ToList();
        var parameters = new List<DbParameter>(columns.Count);
        for (var i = 0; i < columns.Count; i++)
        {
            parameters.Add(mappings[i].CreateParameter(command, sql.GenerateParameterName($"p{i}"), null, columns[i].Property.IsNullable));
        }

        command.Parameters.AddRange(parameters.ToArray());
        await command.PrepareAsync(cancellationToken);
        foreach (var row in rows)
        {
            for (var i = 0; i < columns.Count; i++)
            {
                var value = columns[i].Property.GetGetter().GetClrValue(row);
                parameters[i].Value = (value is null ? null : mappings[i].Converter?.ConvertToProvider(value) ?? value) ?? DBNull.Value;
            }

            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
