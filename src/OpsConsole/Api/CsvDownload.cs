using System.Globalization;
using System.Text;

namespace OpsConsole.Api;

/// <summary>
/// A list as a CSV download: one header line, one line per row as the rows stream from the database (nothing is held in
/// memory), UTF-8 without a byte-order mark, named after the list and the time, every text field quoted where it must be and
/// defused against spreadsheet formulas.
/// </summary>
public static class CsvDownload
{
    public static async Task WriteAsync<T>(
        HttpContext context, string name, DateTimeOffset now, string header, IAsyncEnumerable<T> rows, Func<T, IEnumerable<string>> fields)
    {
        context.Response.ContentType = "text/csv; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"opsconsole-{name}-{now:yyyyMMdd-HHmm}.csv\"";
        await using var writer = new StreamWriter(context.Response.Body, new UTF8Encoding(false));
        await writer.WriteLineAsync(header);
        await foreach (var row in rows)
        {
            await writer.WriteLineAsync(string.Join(',', fields(row)));
        }
    }

    /// <summary>A time as the API writes it (UTC, to the second); empty for none.</summary>
    public static string Time(DateTime? t) => t?.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    /// <summary>Quotes a field, and defuses spreadsheet formulas (a cell starting with = + - @ is prefixed with ').</summary>
    public static string Text(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
    }
}
