using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OpsConsole.IntegrationTests.Infrastructure;

/// <summary>What an operator reads in <c>logs/orchestration.log</c>: each entry's message with its values filled in.</summary>
public static partial class AppLog
{
    public static IReadOnlyList<string> Messages(string dataDirectory)
    {
        var messages = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(dataDirectory, "logs"), "*.log"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.StartsWith('{') && JsonNode.Parse(line) is JsonObject entry && entry["@mt"] is { } template)
                {
                    messages.Add(Placeholder().Replace((string)template!, m => entry[m.Groups[1].Value]?.ToString() ?? m.Value));
                }
            }
        }

        return messages;
    }

    /// <summary>How many entries contain <paramref name="text"/>.</summary>
    public static int Count(string dataDirectory, string text) => Messages(dataDirectory).Count(m => m.Contains(text, StringComparison.Ordinal));

    [GeneratedRegex(@"\{@?(\w+)(?:[:,][^}]*)?\}")]
    private static partial Regex Placeholder();
}
