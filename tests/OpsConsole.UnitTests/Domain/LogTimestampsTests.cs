using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

public sealed class LogTimestampsTests
{
    [Theory]
    [InlineData("2026-11-25T09:14:02.123456Z")] // %Y-%m-%dT%H:%M:%S.%fZ
    [InlineData("2026-11-25T09:14:02Z")] // %Y-%m-%dT%H:%M:%SZ
    [InlineData("2026-11-25 09:14:02")] // %Y-%m-%d %H:%M:%S (the orchestrator's own format)
    [InlineData("2026-11-25T09:14:02.123456")] // %Y-%m-%dT%H:%M:%S.%f
    [InlineData("2026-11-25T09:14:02")] // %Y-%m-%dT%H:%M:%S
    public void Every_format_the_original_accepted_is_read_as_utc(string text)
    {
        Assert.True(LogTimestamps.TryParse(text, null, out var at));
        Assert.Equal(DateTimeKind.Utc, at.Kind);
        Assert.Equal(new DateTime(2026, 11, 25, 9, 14, 2, DateTimeKind.Utc), at.AddTicks(-(at.Ticks % TimeSpan.TicksPerSecond)));
    }

    [Theory]
    [InlineData("2026-11-25T09:14:02+00:00", 9)] // Python's isoformat(), which the original could not read
    [InlineData("2026-11-25T09:14:02.5+02:00", 7)]
    [InlineData("2026-11-25 09:14:02-0500", 14)]
    [InlineData("2026-11-25T09:14:02+05:30", 3)]
    [InlineData("2026-11-25 09:14:02,250 UTC", 9)]
    public void Iso_8601_with_an_offset_is_read_and_converted_to_utc(string text, int utcHour)
    {
        Assert.True(LogTimestamps.TryParse(text, null, out var at));
        Assert.Equal(utcHour, at.Hour);
    }

    [Fact]
    public void Naive_timestamps_are_read_in_the_configured_zone_of_the_server()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

        Assert.True(LogTimestamps.TryParse("2026-11-25 09:14:02", berlin, out var winter));
        Assert.True(LogTimestamps.TryParse("2026-07-01 09:14:02", berlin, out var summer));

        Assert.Equal(8, winter.Hour);
        Assert.Equal(7, summer.Hour);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01 00:00:00")]
    [InlineData("2026-02-30 10:00:00")]
    [InlineData("2026-11-25T25:00:00Z")]
    [InlineData("2026-11-25T09:14:02+19:00")]
    [InlineData("")]
    public void Nonsense_is_refused(string text)
    {
        Assert.False(LogTimestamps.TryParse(text, null, out _));
    }

    [Fact]
    public void Unix_seconds_and_milliseconds_are_both_understood()
    {
        Assert.True(LogTimestamps.TryFromUnix(1_795_000_000, out var seconds));
        Assert.True(LogTimestamps.TryFromUnix(1_795_000_000_000, out var millis));

        Assert.Equal(seconds, millis);
    }
}
