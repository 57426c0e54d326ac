using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace OpsConsole.Data;

/// <summary>
/// A column of a statement this app writes past EF's save (<see cref="RowInserter"/>, <see cref="RowUpdater"/>): its
/// parameter, and how a value is stored in it, through the column's own EF type mapping (its converters, encryption
/// included), so the row reads back exactly as one EF wrote.
/// </summary>
internal class MappedColumn(IProperty property, string name)
{
    public IProperty Property { get; } = property;

    public string Name { get; } = name;

    public RelationalTypeMapping Mapping { get; } = (RelationalTypeMapping)property.GetRelationalTypeMapping();

    /// <summary>The value as the column stores it.</summary>
    public object Provider(object? value) =>
        value is null ? DBNull.Value : Mapping.Converter?.ConvertToProvider(value) ?? value;

    /// <summary>The parameters of <paramref name="columns"/>, made for a new command (the statement cache hands them on to its prepared one).</summary>
    public static DbParameter[] Parameters(DbCommand command, IEnumerable<MappedColumn> columns) =>
        [.. columns.Select(c => c.Mapping.CreateParameter(command, c.Name, null, c.Property.IsNullable))];
}
