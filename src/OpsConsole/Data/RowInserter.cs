using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace OpsConsole.Data;

/// <summary>
/// Appends rows of a plain table (no navigations to fix up, no shadow or store-generated columns, nothing an interceptor
/// watches) inside the current unit of work: one INSERT, kept prepared, run per row with new values, instead of the change
/// tracker's per-row bookkeeping (snapshots, the save's dependency sort, accepting the changes). Each value goes through the
/// column's own EF type mapping (its converters, encryption included), so a row reads back exactly as one EF inserted.
/// What <see cref="OpsDbContext.Append"/> adds goes this way: a task's log lines, audit entries, a storm's failure records.
/// </summary>
internal static class RowInserter
{
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<Type, Plan?>> Plans = [];

    /// <summary>Inserts <paramref name="rows"/>, all of type <paramref name="type"/>, in the context's open transaction.</summary>
    internal static async Task InsertAsync(OpsDbContext db, Type type, IEnumerable<object> rows, CancellationToken cancellationToken)
    {
        var plan = PlanFor(db, type);
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rows are appended inside a unit of work's transaction");
        DbCommand made;
        try
        {
            made = db.PreparedCommand(plan.Sql, transaction, plan.Parameters);
        }
        catch (InvalidOperationException ex) when (db.Database.GetDbConnection().State != System.Data.ConnectionState.Open)
        {
            // The connection broke after the save (the server went away) and took the transaction with it: nothing of
            // this write commits, and its caller hears that the database is unavailable, as after any other lost connection.
            throw WriteConflicts.Unavailable(ex);
        }

        await using var command = made;
        var parameters = command.Parameters;
        try
        {
            await command.PrepareAsync(cancellationToken); // nothing to do when the connection keeps it prepared
            foreach (var row in rows)
            {
                for (var i = 0; i < plan.Columns.Length; i++)
                {
                    parameters[i].Value = plan.Columns[i].Value(row);
                }

                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        catch (DbException ex)
        {
            db.StatementFailed(command);

            // As EF reports a failed save, so the unit of work maps it the same way (busy, unreachable, a duplicate).
            throw new DbUpdateException($"An error occurred while appending a {type.Name} row. See the inner exception for details.", ex);
        }
    }

    /// <summary>True when rows of <paramref name="type"/> can be inserted this way (a plain table, see <see cref="RowInserter"/>).</summary>
    internal static bool CanInsert(OpsDbContext db, Type type) => PlanOrNull(db, type) is not null;

    private static Plan PlanFor(OpsDbContext db, Type type) =>
        PlanOrNull(db, type) ?? throw new InvalidOperationException($"{type.Name} has shadow or store-generated columns; insert it through the change tracker");

    private static Plan? PlanOrNull(OpsDbContext db, Type type) =>
        Plans.GetValue(db.Model, _ => new()).GetOrAdd(type, static (t, db) => Plan.Of(db, t), db);

    /// <summary>How rows of one entity type are inserted: the statement, and for each column how its value is read and stored.</summary>
    private sealed record Plan(string Sql, Column[] Columns)
    {
        /// <summary>The plan for rows of <paramref name="type"/>; null when it is not a plain table (shadow or store-generated columns).</summary>
        public static Plan? Of(OpsDbContext db, Type type)
        {
            var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not in the model");
            if (entity.IsOwned() || entity.GetTableName() is null)
            {
                return null;
            }

            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var properties = entity.GetProperties().Where(p => p.GetColumnName(table) is not null).ToList();
            if (properties.Any(p => p.IsShadowProperty() || p.ValueGenerated != ValueGenerated.Never && !(p.IsPrimaryKey() && p.ClrType == typeof(Guid))))
            {
                return null;
            }

            var sql = db.GetService<ISqlGenerationHelper>();
            var columns = properties.Select((p, i) => new Column(p, sql.GenerateParameterName($"p{i}"))).ToArray();
            return new(
                $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", properties.Select(p => sql.DelimitIdentifier(p.GetColumnName(table)!)))}) " +
                $"VALUES ({string.Join(", ", properties.Select((_, i) => sql.GenerateParameterNamePlaceholder($"p{i}")))})",
                columns);
        }

        public DbParameter[] Parameters(DbCommand command) => MappedColumn.Parameters(command, Columns);
    }

    private sealed class Column(IProperty property, string name) : MappedColumn(property, name)
    {
        private readonly IClrPropertyGetter getter = property.GetGetter();

        public object Value(object row) => Provider(getter.GetClrValue(row));
    }
}
