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
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<(Type, bool), Plan?>> Plans = [];

    /// <summary>Inserts <paramref name="rows"/>, all of type <paramref name="type"/> and not tracked, in the context's open transaction.</summary>
    internal static Task InsertAsync(OpsDbContext db, Type type, IEnumerable<object> rows, CancellationToken cancellationToken) =>
        RunAsync(db, type, PlanFor(db, type, tracked: false), rows, static (column, row) => column.Value(row), cancellationToken);

    /// <summary>
    /// Inserts the tracked new rows <paramref name="entries"/>, all of one type, in the context's open transaction: each value
    /// as the change tracker holds it (shadow columns, such as a row version, included). The caller accepts the changes.
    /// </summary>
    internal static Task InsertAsync(OpsDbContext db, IReadOnlyList<EntityEntry> entries, CancellationToken cancellationToken)
    {
        var type = entries[0].Metadata.ClrType;
        return RunAsync(db, type, PlanFor(db, type, tracked: true), entries.Select(e => e.CurrentValues), static (column, values) => column.Value(values), cancellationToken);
    }

    /// <summary>True when rows of <paramref name="type"/> can be inserted this way (a plain table, see <see cref="RowInserter"/>).</summary>
    internal static bool CanInsert(OpsDbContext db, Type type, bool tracked = false) => PlanOrNull(db, type, tracked) is not null;

    private static async Task RunAsync<T>(OpsDbContext db, Type type, Plan plan, IEnumerable<T> rows, Func<Column, T, object> value, CancellationToken cancellationToken)
    {
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
                    parameters[i].Value = value(plan.Columns[i], row);
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

    private static Plan PlanFor(OpsDbContext db, Type type, bool tracked) =>
        PlanOrNull(db, type, tracked) ?? throw new InvalidOperationException($"{type.Name} has shadow or store-generated columns; insert it through the change tracker");

    private static Plan? PlanOrNull(OpsDbContext db, Type type, bool tracked) =>
        Plans.GetValue(db.Model, _ => new()).GetOrAdd((type, tracked), static (key, db) => Plan.Of(db, key.Item1, key.Item2), db);

    /// <summary>How rows of one entity type are inserted: the statement, and for each column how its value is read and stored.</summary>
    private sealed record Plan(string Sql, Column[] Columns)
    {
        /// <summary>
        /// The plan for rows of <paramref name="type"/>; null when it is not a plain table: store-generated columns, or
        /// shadow ones where the rows are not <paramref name="tracked"/> (only the change tracker holds their values).
        /// </summary>
        public static Plan? Of(OpsDbContext db, Type type, bool tracked)
        {
            var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not in the model");
            if (entity.IsOwned() || entity.GetTableName() is null)
            {
                return null;
            }

            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var properties = entity.GetProperties().Where(p => p.GetColumnName(table) is not null).ToList();
            if (properties.Any(p => p.IsShadowProperty() && !tracked || p.ValueGenerated != ValueGenerated.Never && !(p.IsPrimaryKey() && p.ClrType == typeof(Guid))))
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
        private readonly IClrPropertyGetter? getter = property.IsShadowProperty() ? null : property.GetGetter();

        public object Value(object row) => Provider(getter!.GetClrValue(row));

        public object Value(PropertyValues values) => Provider(values[Property]);
    }
}
