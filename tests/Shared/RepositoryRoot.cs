using System.Runtime.CompilerServices;

namespace OpsConsole.Tests;

/// <summary>
/// The folder holding OpsConsole.sln (samples/, src/, the build output of the console), found from the test binaries or, when
/// they are built elsewhere, from this source file. Linked into every test project and the benchmarks.
/// </summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Found = new(Find);

    public static string FullName => Found.Value;

    /// <summary>A path below the repository root: <c>RepositoryRoot.Combine("samples", "deployment_log.json")</c>.</summary>
    public static string Combine(params string[] parts) => Path.Combine([FullName, .. parts]);

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(ThisFile()) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "OpsConsole.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"OpsConsole.sln not found above {AppContext.BaseDirectory} or {ThisFile()}");
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
