using System.Text;
using OpsConsole.Api;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Api;

public sealed class PageCursorTests
{
    private const string Ordering = "-Priority,-DueDate,Title,-Id";
    private static readonly Type[] Keys = [typeof(WorkItemPriority), typeof(DateTime?), typeof(string), typeof(Guid)];

    private static string Raw(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public void A_cursor_reads_back_the_position_direction_and_page_number_it_was_written_with()
    {
        var id = Guid.NewGuid();
        var due = new DateTime(2026, 11, 25, 12, 0, 0, 123, DateTimeKind.Utc).AddTicks(4567);
        var cursor = new PageCursor(SeekDirection.Before, [WorkItemPriority.Critical, due, "Deploy failed on web-1 ✓", id], 7, Ordering);

        var read = PageCursor.Decode(cursor.Encode(), Ordering, Keys, out var error);

        Assert.Null(error);
        Assert.Equal(SeekDirection.Before, read!.Direction);
        Assert.Equal(7, read.Number);
        Assert.Equal([WorkItemPriority.Critical, due, "Deploy failed on web-1 ✓", id], read.Position);
        Assert.Equal(DateTimeKind.Utc, ((DateTime)read.Position[1]!).Kind);
        Assert.DoesNotContain('=', cursor.Encode());
        Assert.DoesNotContain('+', cursor.Encode());
    }

    [Fact]
    public void An_empty_key_and_a_cursor_to_the_end_read_back()
    {
        var withNull = new PageCursor(SeekDirection.After, [WorkItemPriority.Low, null, "x", Guid.Empty], null, Ordering);
        var end = new PageCursor(SeekDirection.End, [], null, Ordering);

        Assert.Null(PageCursor.Decode(withNull.Encode(), Ordering, Keys, out _)!.Position[1]);
        Assert.Equal(SeekDirection.End, PageCursor.Decode(end.Encode(), Ordering, Keys, out _)!.Direction);
    }

    [Fact]
    public void A_cursor_of_another_ordering_is_refused_saying_so()
    {
        var cursor = new PageCursor(SeekDirection.After, [WorkItemPriority.Low, null, "x", Guid.Empty], 2, Ordering).Encode();

        Assert.Null(PageCursor.Decode(cursor, "CreatedOn,Id", [typeof(DateTime), typeof(Guid)], out var error));
        Assert.Contains("another ordering", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("%%%")]
    [InlineData("bm90IGpzb24")] // "not json"
    [InlineData("W10")] // []
    [InlineData("eyJ2IjoyfQ")] // {"v":2}
    public void Text_that_is_not_a_cursor_is_refused(string text)
    {
        Assert.Null(PageCursor.Decode(text, Ordering, Keys, out var error));
        Assert.Equal(PageCursor.Unreadable, error);
    }

    [Theory]
    [InlineData("""["Urgent", null, "x", "00000000-0000-0000-0000-000000000000"]""")] // no such priority
    [InlineData("""[4, null, "x", "00000000-0000-0000-0000-000000000000"]""")] // a priority is written by name
    [InlineData("""["Low", "2026-11-25T12:00:00+02:00", "x", "00000000-0000-0000-0000-000000000000"]""")] // not UTC
    [InlineData("""["Low", null, 5, "00000000-0000-0000-0000-000000000000"]""")] // a number for text
    [InlineData("""["Low", null, "x", null]""")] // no id
    [InlineData("""["Low", null, "x"]""")] // a key short
    public void A_position_that_does_not_fit_the_keys_is_refused(string keys)
    {
        var text = Raw($$"""{"v":1,"o":"{{Ordering}}","d":"a","p":2,"k":{{keys}}}""");

        Assert.Null(PageCursor.Decode(text, Ordering, Keys, out var error));
        Assert.Equal(PageCursor.Unreadable, error);
    }

    [Theory]
    [InlineData("x")]
    [InlineData("")]
    public void An_unknown_direction_or_a_page_number_below_one_is_refused(string direction)
    {
        Assert.Null(PageCursor.Decode(Raw($$"""{"v":1,"o":"{{Ordering}}","d":"{{direction}}","k":[]}"""), Ordering, Keys, out _));
        Assert.Null(PageCursor.Decode(Raw($$"""{"v":1,"o":"{{Ordering}}","d":"e","p":0}"""), Ordering, Keys, out _));
    }
}
