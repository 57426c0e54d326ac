using System.Text;

namespace OpsConsole.Cli.Output;

/// <summary>A plain table with aligned columns; cells may carry a colour, which never counts towards the width.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<(string Text, string? Color)[]> rows = [];

    public int Count => rows.Count;

    /// <summary>Adds a row; a cell is text, or (text, ANSI colour code).</summary>
    public Table Add(params object?[] cells)
    {
        var row = new (string, string?)[headers.Length];
        for (var i = 0; i < headers.Length; i++)
        {
            row[i] = i < cells.Length
                ? cells[i] switch
                {
                    ValueTuple<string, string?> painted => painted,
                    null => ("", null),
                    var other => (Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? "", null),
                }
                : ("", null);
            row[i].Item1 = Clean(row[i].Item1);
        }

        rows.Add(row);
        return this;
    }

    public void WriteTo(TextWriter writer, Style style)
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Text.Length);
            }
        }

        writer.WriteLine(Line(headers.Select(h => (h, (string?)"1")).ToArray(), widths, style));
        foreach (var row in rows)
        {
            writer.WriteLine(Line(row, widths, style));
        }
    }

    private static string Line((string Text, string? Color)[] cells, int[] widths, Style style)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var last = i == cells.Length - 1;
            var text = last ? cells[i].Text : cells[i].Text.PadRight(widths[i]);
            sb.Append(style.Paint(text, cells[i].Color));
            if (!last)
            {
                sb.Append("  ");
            }
        }

        return sb.ToString().TrimEnd();
    }

    /// <summary>One line per cell: control characters (a newline in a title) would break the columns.</summary>
    private static string Clean(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        return new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());
    }
}
