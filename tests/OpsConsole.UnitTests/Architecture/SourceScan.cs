using System.Text.RegularExpressions;

namespace OpsConsole.UnitTests.Architecture;

/// <summary>What the architecture checks read: the application's own source files, and their code without comments and strings.</summary>
internal static partial class SourceScan
{
    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@""(?:[^""]|"""")*""|""(?:\\.|[^""\\\n])*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();

    /// <summary>
    /// Every .cs and .razor file of src/OpsConsole (migrations and build output left out) whose path from there passes
    /// <paramref name="include"/>, by that path ('/'-separated).
    /// </summary>
    public static Dictionary<string, string> Sources(Func<string, bool> include)
    {
        var root = RepositoryRoot.Combine("src", "OpsConsole");
        return Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".razor", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal)
                && !f.Contains("/Migrations/", StringComparison.Ordinal) && include(f))
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(root, f)));
    }

    /// <summary>The code alone: a comment becomes a space and a string <c>""</c>, each keeping its line breaks, so line numbers stay right.</summary>
    public static string CodeOnly(string text) =>
        CommentOrString().Replace(text, m => (m.Value.StartsWith('/') ? " " : "\"\"") + new string('\n', m.Value.Count(c => c == '\n')));
}
