using System.Text.RegularExpressions;

namespace OpsConsole.UnitTests.Architecture;

/// <summary>
/// ARCHITECTURE.md's folder table, enforced: a file in one folder of src/OpsConsole may name (by a <c>using</c>, a razor
/// <c>@using</c>/<c>@inject</c> or a qualified name) only the folders its row allows. A new wrong arrow fails here.
/// </summary>
public sealed partial class FolderDependencyTests
{
    private static readonly string[] Folders = ["Domain", "Data", "Security", "Realtime", "Integrations", "Features", "Api", "Jobs", "Components", "Hosting"];

    /// <summary>
    /// Who may use whom. Domain is everyone's language (a page shows a task's status), so every folder may use it. Where this
    /// differs from ARCHITECTURE.md's table, on purpose:
    /// - Api uses nothing but Domain (the table also lets it use Security; it needs nothing there), so Security's HTTP parts
    ///   (the CSRF check, the origin check of live connections, account and key routes) answer with Api's problem details;
    /// - Jobs registers the jobs of Integrations too (the outbox's and the intake's), not only those of Features.
    /// </summary>
    private static readonly Dictionary<string, string[]> MayUse = new()
    {
        ["Domain"] = [],
        ["Data"] = ["Domain"],
        ["Api"] = ["Domain"],
        ["Security"] = ["Domain", "Data", "Api"],
        ["Realtime"] = ["Domain", "Data", "Security", "Features"],
        ["Integrations"] = ["Domain", "Data", "Realtime"],
        ["Features"] = ["Domain", "Data", "Security", "Realtime", "Integrations", "Api"],
        ["Jobs"] = ["Domain", "Features", "Integrations"],
        ["Components"] = ["Domain", "Features", "Realtime", "Security"],
        ["Hosting"] = Folders,
    };

    [GeneratedRegex(@"^\s*@?(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?OpsConsole\.(?<folder>\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [GeneratedRegex(@"(?<![\w.])(?:OpsConsole\.)?(?<folder>Domain|Data|Security|Realtime|Integrations|Features|Api|Jobs|Components|Hosting)\.(?=[A-Z])")]
    private static partial Regex QualifiedName();

    [Fact]
    public void Every_folder_names_only_the_folders_its_row_allows()
    {
        var sources = Sources();
        Assert.True(sources.Count > 100, $"expected the application's source files, found {sources.Count}");

        var wrong = WrongArrows(sources)
            .Select(a => $"{a.File} uses {a.Target} ({a.Folder} may use {string.Join(", ", MayUse[a.Folder])})")
            .ToList();

        Assert.True(wrong.Count == 0, "Wrong arrows:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void The_check_finds_a_wrong_using_a_wrong_qualified_name_and_a_wrong_razor_directive()
    {
        var sources = new Dictionary<string, string>
        {
            ["Data/Bad.cs"] = "using OpsConsole.Domain;\nusing OpsConsole.Features.Rules;\nnamespace OpsConsole.Data;\nclass Bad { }",
            ["Api/Worse.cs"] = "namespace OpsConsole.Api;\nclass Worse { OpsConsole.Features.WorkItems.TaskDto? Task; Realtime.OpsEvents? Events; }",
            ["Components/Pages/Page.razor"] = "@inject OpsConsole.Data.OpsDbContext Db\n@using OpsConsole.Integrations.GitHub",
            ["Features/Fine.cs"] = "using OpsConsole.Data;\n// OpsConsole.Hosting in a comment is no arrow\nclass Fine { string S = \"Hosting.OpsConsoleOptions\"; object D = report.Data.Length; }",
        };

        var arrows = WrongArrows(sources).Select(a => $"{a.File} -> {a.Target}").ToList();

        Assert.Equal(["Api/Worse.cs -> Features", "Api/Worse.cs -> Realtime", "Components/Pages/Page.razor -> Data", "Components/Pages/Page.razor -> Integrations", "Data/Bad.cs -> Features"], arrows);
    }

    private static Dictionary<string, string> Sources() => SourceScan.Sources(f => Folders.Contains(f.Split('/')[0]));

    private static List<(string File, string Folder, string Target)> WrongArrows(IReadOnlyDictionary<string, string> sources)
    {
        var arrows = new SortedSet<(string File, string Folder, string Target)>();
        foreach (var (file, text) in sources)
        {
            var folder = file.Split('/')[0];
            var code = SourceScan.CodeOnly(text);
            var named = UsingDirective().Matches(code).Concat(QualifiedName().Matches(code)).Select(m => m.Groups["folder"].Value);
            foreach (var target in named.Where(t => Folders.Contains(t) && t != folder && !MayUse[folder].Contains(t)).Distinct())
            {
                arrows.Add((file, folder, target));
            }
        }

        return [.. arrows];
    }
}
