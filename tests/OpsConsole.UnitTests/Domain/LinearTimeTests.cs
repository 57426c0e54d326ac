using System.Diagnostics;
using System.Text;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Domain;

/// <summary>
/// The property behind #20 item 2: redaction and fingerprinting take time linear in their input, whatever it is made of.
/// Every two-character combination of the characters the patterns look for is repeated to 20,000 and 2,000 characters; ten times
/// the text must cost about ten times the time (a pattern that rescans a run from each position inside it costs a hundred
/// times, as "a." did before: 10,000 characters took 6 s). Compared as a ratio of the better of two runs, so a busy
/// machine slows both sizes alike.
/// </summary>
public sealed class LinearTimeTests
{
    /// <summary>What the patterns start on, repeat, stop at or look around for: word characters of secrets' prefixes, separators, quotes.</summary>
    private const string Alphabet = "aAeyJkgh07._-+=:,'\" /@{\n";

    private static readonly string[] Units = [.. Alphabet.SelectMany(a => Alphabet.Select(b => $"{a}{b}"))];

    [Fact]
    public void Redaction_takes_time_linear_in_the_input_for_every_two_character_repetition() =>
        AssertLinear(text => Redactor.Redact(text));

    [Fact]
    public void Fingerprinting_takes_time_linear_in_the_input_for_every_two_character_repetition() =>
        AssertLinear(FailureFingerprint.Normalize);

    private static void AssertLinear(Func<string, string?> work)
    {
        var small = Units.Select(u => Repeat(u, 2_000)).ToList();
        var large = Units.Select(u => Repeat(u, 20_000)).ToList();
        var smallTime = BestOfTwo(small, work);
        var largeTime = BestOfTwo(large, work);

        // Linear: about 10x. Quadratic: about 100x. The bound leaves room for caches and a noisy neighbour, not for a rescan.
        Assert.True(largeTime < smallTime * 30 + TimeSpan.FromMilliseconds(200),
            $"20,000 characters took {largeTime.TotalMilliseconds:F0} ms against {smallTime.TotalMilliseconds:F0} ms for 2,000, over {Units.Length} repetitions");
    }

    /// <summary>The faster of two runs (the first also warms the compiled patterns up).</summary>
    private static TimeSpan BestOfTwo(List<string> texts, Func<string, string?> work)
    {
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < 2; run++)
        {
            var clock = Stopwatch.StartNew();
            texts.ForEach(t => work(t));
            best = clock.Elapsed < best ? clock.Elapsed : best;
        }

        return best;
    }

    private static string Repeat(string unit, int length) => new StringBuilder(length + unit.Length).Insert(0, unit, length / unit.Length).ToString();
}
