using System.Collections.Concurrent;
using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Update;

namespace OpsConsole.Data;

/// <summary>
/// Writes a save that only changes rows already stored (an agent's start, progress and completion: the task, its attempt,
/// the agent) as one prepared <c>UPDATE</c> per row, of the columns that changed, where the key and every concurrency token
/// still hold the values read: what EF's own save sends, without its per-save machinery (command batches, the dependency
/// sort, a reader per batch), which cost the SQLite writer about half of each report. New rows of one plain type that
/// refer only to stored rows (the assignments of an assignment pass) go in first, through <see cref="RowInserter"/>.
/// A row whose version moved meanwhile updates nothing, and the save throws <see cref="DbUpdateConcurrencyException"/> as
/// EF's would, so the unit of work runs again. Each value goes through the column's EF type mapping (converters and
/// encryption included), as in <see cref="RowInserter"/>. Anything else (new rows of several types, a deletion, an owned
/// type) is saved by EF.
/// </summary>
internal static class RowUpdater
{
    private static readonly ConditionalWeakTable<IModel, ConcurrentDictionary<(IEntityType, object), Plan>> Plans = [];

    /// <summary>
    /// True when every tracked row is unchanged or modified (none of an owned type), and the new rows, if any, are of one
    /// plain type (<see cref="RowInserter"/>) that points at no row of its own type: they only refer to stored rows, so they
    /// can be inserted first, in any order (an assignment, with the task and the agent it changes).
    /// </summary>
    internal static bool CanWrite(OpsDbContext db)
    {
        IEntityType? added = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            switch (entry.State)
            {
                case EntityState.Unchanged:
                case EntityState.Modified when !entry.Metadata.IsOwned():
                    continue;
                case EntityState.Added when added is null:
                    added = entry.Metadata;
                    if (added.HasSharedClrType || !RowInserter.CanInsert(db, added.ClrType, tracked: true) || added.GetForeignKeys().Any(k => k.PrincipalEntityType.IsAssignableFrom(added)))
                    {
                        return false;
                    }

                    continue;
                case EntityState.Added when entry.Metadata == added:
                    continue;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>Inserts the new rows, then updates every modified row, in the context's open transaction; how many rows it wrote.</summary>
    internal static async Task<int> UpdateAsync(OpsDbContext db, CancellationToken cancellationToken)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Rows are updated this way inside a unit of work's transaction");
        var entries = db.ChangeTracker.Entries().ToList();
        var added = entries.Where(e => e.State == EntityState.Added).ToList();
        if (added.Count > 0)
        {
            await RowInserter.InsertAsync(db, added, cancellationToken);
        }

        var written = added.Count;
        foreach (var entry in entries.Where(e => e.State == EntityState.Modified))
        {
            var values = entry.Values();
            var plan = PlanFor(db, entry.Metadata, values);
            if (plan is null)
            {
                continue;
            }

            await using var command = db.PreparedCommand(plan.Sql, transaction, plan.Parameters);
            plan.Bind(command.Parameters, values);
            int rows;
            try
            {
                rows = await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (DbException ex)
            {
                // As EF reports a failed save, so the unit of work maps it the same way (busy, unreachable, a constraint).
                db.StatementFailed(command);
                throw new DbUpdateException("An error occurred while saving the entity changes. See the inner exception for details.", ex, [entry]);
            }

            if (rows != 1)
            {
#pragma warning disable EF1001 // the entry as EF's own concurrency exception carries it, for the 409 that names what changed
                throw new DbUpdateConcurrencyException(
                    $"The {entry.Metadata.ClrType.Name} row was changed or deleted by another writer after it was read; nothing of this save was applied.", [entry.GetInfrastructure()]);
#pragma warning restore EF1001
            }

            written++;
        }

        return written;
    }

    /// <summary>
    /// The plan for the columns that changed in this row (its key aside), found by which of the type's properties they are
    /// (a bit each); null when none changed.
    /// </summary>
    private static Plan? PlanFor(OpsDbContext db, IEntityType type, IUpdateEntry values)
    {
        List<IProperty>? changed = null;
        var (bits, index) = (0L, 0);
        foreach (var property in type.GetProperties())
        {
            if (values.IsModified(property) && !property.IsPrimaryKey())
            {
                (changed ??= []).Add(property);
                bits |= index < 64 ? 1L << index : 0;
            }

            index++;
        }

        if (changed is null)
        {
            return null;
        }

        object key = index <= 64 ? bits : string.Join(',', changed.Select(p => p.Name));
        return Plans.GetValue(db.Model, _ => new()).GetOrAdd((type, key), static (key, state) => Plan.Of(state.db, key.Item1, state.changed), (db, changed));
    }

    /// <summary>
    /// How one shape of change is written: <c>UPDATE table SET changed columns WHERE key AND concurrency tokens</c>, and for
    /// each parameter which property it carries and whether the value read (the tokens) or the value now (the rest).
    /// </summary>
    private sealed record Plan(string Sql, Column[] Columns)
    {
        public static Plan Of(OpsDbContext db, IEntityType type, IReadOnlyList<IProperty> changed)
        {
            var table = StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema());
            var sql = db.GetService<ISqlGenerationHelper>();
            var columns = new List<Column>();
            string Parameter(IProperty property, bool original)
            {
                var name = $"p{columns.Count}";
                columns.Add(new Column(property, sql.GenerateParameterName(name), original));

                // A token read as null matches a null (SQLite's IS is = that holds two nulls equal), as EF's IS NULL does.
                var compare = original ? "IS" : "=";
                return $"{sql.DelimitIdentifier(property.GetColumnName(table)!)} {compare} {sql.GenerateParameterNamePlaceholder(name)}";
            }

            var set = changed.Select(p => Parameter(p, original: false)).ToList();
            var where = type.FindPrimaryKey()!.Properties.Select(p => Parameter(p, original: false))
                .Concat(type.GetProperties().Where(p => p.IsConcurrencyToken).Select(p => Parameter(p, original: true)))
                .ToList();
            return new(
                $"UPDATE {sql.DelimitIdentifier(table.Name, table.Schema)} SET {string.Join(", ", set)} WHERE {string.Join(" AND ", where)}",
                [.. columns]);
        }

        public DbParameter[] Parameters(DbCommand command) => MappedColumn.Parameters(command, Columns);

        public void Bind(DbParameterCollection parameters, IUpdateEntry values)
        {
            for (var i = 0; i < Columns.Length; i++)
            {
                var column = Columns[i];
                parameters[i].Value = column.Provider(column.Original ? values.GetOriginalValue(column.Property) : values.GetCurrentValue(column.Property));
            }
        }
    }

    /// <summary>A parameter of the statement, and whether it carries the value read (a concurrency token in the WHERE) or the value now.</summary>
    private sealed class Column(IProperty property, string name, bool original) : MappedColumn(property, name)
    {
        public bool Original { get; } = original;
    }
}
