using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using OpsConsole.Data;
using OpsConsole.Hosting;

namespace OpsConsole.UnitTests.Architecture;

/// <summary>
/// ARCHITECTURE.md's folder table for <c>Data/</c>: it may use Domain and nothing else of the app. Other folders plug into
/// it through its seams (save interceptors, the event sink), never the other way round.
/// </summary>
public sealed partial class DataDependencyTests
{
    private static readonly string[] DataMayUse = ["Data", "Domain"];

    /// <summary><c>using OpsConsole.X…;</c>, <c>using static OpsConsole.X…;</c>, <c>using Alias = OpsConsole.X…;</c>.</summary>
    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?:global::)?OpsConsole\.(?<folder>\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    /// <summary>
    /// A name written out: <c>OpsConsole.X.Type</c>, <c>global::OpsConsole.X</c>, or <c>X.Type</c>, which code in any
    /// <c>OpsConsole.*</c> namespace reaches through the enclosing <c>OpsConsole</c> namespace without a using.
    /// Not a member access such as <c>System.Security.Cryptography</c> or <c>settings.Api</c>.
    /// </summary>
    private static Regex NamedReference(IEnumerable<string> folders) =>
        new($@"(?<![\w.])(?:global::)?(?:OpsConsole\.)?(?<folder>{string.Join('|', folders)})\.(?=[A-Za-z_])");

    [Fact]
    public void Data_source_files_use_no_folder_but_domain()
    {
        var files = SourceFiles("Data");
        Assert.True(files.Count >= 20, $"expected the data layer's source files, found {files.Count}");
        Assert.Contains(files, f => f.Name.EndsWith("Configurations/WorkItemConfiguration.cs", StringComparison.Ordinal));

        Assert.Empty(SourceReferences(files, DataMayUse));
    }

    [Fact]
    public void Data_types_reference_no_type_of_another_folder()
    {
        var dataTypes = TypesOf("Data");
        Assert.Contains(typeof(OpsDbContext), dataTypes);
        Assert.Contains(typeof(SaveInterceptor), dataTypes);

        Assert.Empty(TypeReferences(dataTypes, DataMayUse));
    }

    [Fact]
    public void The_source_check_finds_a_wrong_arrow_written_any_way()
    {
        var wrong = new SourceFile("Wrong.cs", """
            using OpsConsole.Domain;
            using OpsConsole.Realtime;
            using static OpsConsole.Security.Secrets;
            using Outbox = OpsConsole.Integrations.GitHub.IssueOutboxWriter;

            namespace OpsConsole.Data;

            public sealed class Wrong(Hosting.OpsConsoleOptions settings)
            {
                public string Key => global::OpsConsole.Security.Secrets.Hash(settings.Api.BootstrapKey ?? "");
                public object? Route => OpsConsole.Features.WorkItems.WorkItemEndpoints.BadId;
            }
            """);

        var found = SourceReferences([wrong], DataMayUse);

        Assert.Equal(["Features", "Hosting", "Integrations", "Realtime", "Security"], found.Select(f => f.Folder).Distinct().Order());
        Assert.Contains(found, f => f.Text == "using OpsConsole.Realtime");
        Assert.Contains(found, f => f.Text == "Hosting.");
    }

    [Fact]
    public void The_source_check_leaves_allowed_and_foreign_names_alone()
    {
        var allowed = new SourceFile("Allowed.cs", """
            using System.Security.Cryptography;
            using Microsoft.AspNetCore.Components;
            using OpsConsole.Data.Configurations;
            using OpsConsole.Domain;

            namespace OpsConsole.Data;

            public sealed class Allowed(Domain.Agent agent, Data.DataSettings settings)
            {
                public const string Purpose = "OpsConsole.Data.EncryptedColumns.v1";
                public string Section => "OpsConsole:Api:BootstrapKey";
                public object Read(dynamic options) => options.Api.WritesPerMinute;
            }
            """);

        Assert.Empty(SourceReferences([allowed], DataMayUse));
    }

    [Fact]
    public void The_checks_find_the_references_of_a_folder_that_has_them()
    {
        // Hosting composes everything by design: the same checks must see that, or they prove nothing for Data.
        var hostingFiles = SourceReferences(SourceFiles("Hosting"), DataMayUse);
        Assert.Contains(hostingFiles, f => f.File.EndsWith("OpsConsoleHosting.cs", StringComparison.Ordinal) && f.Folder == "Security");

        var hostingTypes = TypeReferences(TypesOf("Hosting"), DataMayUse);
        Assert.Contains(hostingTypes, r => r.Contains("OpsConsole.Security.", StringComparison.Ordinal));
    }

    private sealed record SourceFile(string Name, string Text);

    private sealed record Reference(string File, string Folder, string Text);

    private static List<Reference> SourceReferences(IEnumerable<SourceFile> files, string[] allowed)
    {
        var named = NamedReference(AppFolders());
        var found = new List<Reference>();
        foreach (var file in files)
        {
            foreach (var match in UsingDirective().Matches(file.Text).Concat(named.Matches(file.Text)))
            {
                var folder = match.Groups["folder"].Value;
                if (!allowed.Contains(folder))
                {
                    found.Add(new Reference(file.Name, folder, match.Value.Trim()));
                }
            }
        }

        return found;
    }

    private static List<string> TypeReferences(IEnumerable<Type> types, string[] allowed)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<string>();
        foreach (var type in types)
        {
            void Check(Type? referenced, string where)
            {
                foreach (var t in Expand(referenced))
                {
                    if (FolderOf(t) is { } folder && !allowed.Contains(folder))
                    {
                        found.Add($"{type.FullName}.{where} uses {t.FullName}");
                    }
                }
            }

            Check(type.BaseType, "base type");
            foreach (var i in type.GetInterfaces())
            {
                Check(i, "interface");
            }

            foreach (var a in type.GetCustomAttributesData())
            {
                Check(a.AttributeType, "attribute");
            }

            foreach (var field in type.GetFields(all))
            {
                Check(field.FieldType, field.Name);
            }

            foreach (var property in type.GetProperties(all))
            {
                Check(property.PropertyType, property.Name);
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo info)
                {
                    Check(info.ReturnType, $"{method.Name} return");
                    foreach (var argument in info.IsGenericMethodDefinition ? info.GetGenericArguments().SelectMany(g => g.GetGenericParameterConstraints()) : [])
                    {
                        Check(argument, $"{method.Name} constraint");
                    }
                }

                foreach (var parameter in method.GetParameters())
                {
                    Check(parameter.ParameterType, $"{method.Name}({parameter.Name})");
                }

                foreach (var local in method.GetMethodBody()?.LocalVariables ?? [])
                {
                    Check(local.LocalType, $"{method.Name} local");
                }
            }
        }

        return found;
    }

    /// <summary>The app folder a type belongs to (<c>OpsConsole.Integrations.GitHub.X</c> → Integrations), or null for a type not of the app.</summary>
    private static string? FolderOf(Type type) =>
        type.Assembly == typeof(OpsDbContext).Assembly && type.Namespace?.Split('.') is ["OpsConsole", var folder, ..] ? folder : null;

    /// <summary>The type and every type it is built from: generic arguments, element types.</summary>
    private static IEnumerable<Type> Expand(Type? type)
    {
        if (type is null || type.IsGenericParameter)
        {
            yield break;
        }

        if (type.HasElementType)
        {
            foreach (var t in Expand(type.GetElementType()))
            {
                yield return t;
            }

            yield break;
        }

        yield return type;
        foreach (var argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            foreach (var t in Expand(argument))
            {
                yield return t;
            }
        }
    }

    /// <summary>The types of one folder, with the compiler's own (closures, async state machines) whose fields hold its locals.</summary>
    private static List<Type> TypesOf(string folder) =>
        typeof(OpsDbContext).Assembly.GetTypes().Where(t => FolderOf(t) == folder).ToList();

    private static List<SourceFile> SourceFiles(string folder)
    {
        var root = Path.Combine(AppSource(), folder);
        return Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => new SourceFile(Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText(f)))
            .ToList();
    }

    /// <summary>The app's top folders (Domain, Data, Security, …) as they are on disk, so a new folder is checked too.</summary>
    private static string[] AppFolders() =>
        Directory.GetDirectories(AppSource())
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj" or "Properties" or "wwwroot"))
            .Select(name => name!)
            .ToArray();

    private static string AppSource()
    {
        var root = OpsConsoleHosting.RepositoryRoot(AppContext.BaseDirectory) ?? OpsConsoleHosting.RepositoryRoot(Path.GetDirectoryName(ThisFile()) ?? "");
        Assert.True(root is not null, $"OpsConsole.sln not found above {AppContext.BaseDirectory} or {ThisFile()}");
        return Path.Combine(root, "src", "OpsConsole");
    }

    private static string ThisFile([CallerFilePath] string path = "") => path;
}
