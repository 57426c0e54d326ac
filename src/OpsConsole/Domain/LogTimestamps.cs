using System.Globalization;
using System.Text.RegularExpressions;

namespace OpsConsole.Domain;

/// <summary>
/// Reads the timestamps deployment logs carry: every format the original accepted ("YYYY-mm-dd HH:MM:SS", ISO-8601 with
/// or without fractions and Z) plus ISO-8601 with an offset (+00:00, +0000), which the original skipped. Naive times are
/// read in the log's time zone (UTC unless configured), because the orchestrator writes its server's local time.
/// </summary>
public static partial class LogTimestamps
{
    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})(?:[Tt ]|\s+)(?<h>\d{2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:[.,](?<f>\d{1,9}))?)?\s*(?<z>[Zz]|UTC|[+-]\d{2}(?::?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso();

    /// <summary>The pattern that finds a timestamp at the start of a plain-text log line.</summary>
    public const string LeadingPattern = @"\d{4}-\d{2}-\d{2}(?:[Tt ])\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s?(?:[Zz]|UTC|[+-]\d{2}(?::?\d{2})?))?";

    public static bool TryParse(string? text, TimeZoneInfo? zone, out DateTime utc)
    {
        utc = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var match = Iso().Match(text.Trim());
        if (!match.Success)
        {
            return false;
        }

        int Part(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var (year, month, day, hour, minute, second) = (Part("y"), Part("mo"), Part("d"), Part("h"), Part("mi"), Part("s"));
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year is >= 1 and <= 9999 ? year : 2000, month) || year < 1
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var ticks = 0L;
        if (match.Groups["f"].Success)
        {
            var fraction = match.Groups["f"].Value.PadRight(7, '0')[..7];
            ticks = long.Parse(fraction, CultureInfo.InvariantCulture);
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        var zoneText = match.Groups["z"].Value;
        if (zoneText.Length == 0)
        {
            utc = zone is null || zone == TimeZoneInfo.Utc
                ? DateTime.SpecifyKind(local, DateTimeKind.Utc)
                : ToUtc(local, zone);
            return true;
        }

        if (zoneText is "Z" or "z" or "UTC")
        {
            utc = DateTime.SpecifyKind(local, DateTimeKind.Utc);
            return true;
        }

        var sign = zoneText[0] == '-' ? -1 : 1;
        var digits = zoneText[1..].Replace(":", "", StringComparison.Ordinal);
        var offsetHours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
        var offsetMinutes = digits.Length >= 4 ? int.Parse(digits[2..4], CultureInfo.InvariantCulture) : 0;
        if (offsetHours > 14 || offsetMinutes > 59)
        {
            return false;
        }

        var offset = new TimeSpan(offsetHours, offsetMinutes, 0) * sign;
        utc = DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
        return true;
    }

    /// <summary>Unix seconds (or milliseconds, when the number is that large) as UTC.</summary>
    public static bool TryFromUnix(double value, out DateTime utc)
    {
        utc = default;
        if (!double.IsFinite(value) || value < 0)
        {
            return false;
        }

        var seconds = value > 100_000_000_000 ? value / 1000 : value;
        if (seconds > 253_402_300_799)
        {
            return false;
        }

        utc = DateTime.UnixEpoch.AddSeconds(seconds);
        return true;
    }

    private static DateTime ToUtc(DateTime local, TimeZoneInfo zone)
    {
        // A time skipped by a daylight-saving jump is moved forward by the jump rather than refused.
        if (zone.IsInvalidTime(local))
        {
            local = local.AddHours(1);
        }

        return TimeZoneInfo.ConvertTimeToUtc(local, zone);
    }
}
