using System.Reflection;
using System.Text.RegularExpressions;
using OpsConsole.Domain;

namespace OpsConsole.UnitTests.Architecture;

/// <summary>STYLE.md rule 2: <c>Domain/</c> is pure C#, with nothing but the BCL.</summary>
public sealed partial class DomainPurityTests
{
    private const string DomainNamespace = "OpsConsole.Domain";

    private static readonly string[] ForbiddenAssemblyPrefixes = ["Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "Hangfire", "Octokit"];

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:(?<alias>\w+)\s*=\s*)?(?<target>[\w.]+(?:<[^;]*>)?)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();

    [Fact]
    public void Domain_source_files_use_only_system_namespaces()
    {
        var files = Directory.GetFiles(RepositoryRoot.Combine("src", "OpsConsole", "Domain"), "*.cs", SearchOption.AllDirectories);
        Assert.True(files.Length >= 5, $"expected the domain's source files, found {files.Length}");

        var offending = new List<string>();
        foreach (var file in files)
        {
            foreach (Match match in UsingDirective().Matches(File.ReadAllText(file)))
            {
                var target = match.Groups["target"].Value;
                if (target != "System" && !target.StartsWith("System.", StringComparison.Ordinal))
                {
                    offending.Add($"{Path.GetFileName(file)}: {match.Value.Trim()}");
                }
            }
        }

        Assert.Empty(offending);
    }

    [Fact]
    public void Domain_source_files_name_no_framework_namespace_in_full()
    {
        var files = Directory.GetFiles(RepositoryRoot.Combine("src", "OpsConsole", "Domain"), "*.cs", SearchOption.AllDirectories);

        var offending = files
            .SelectMany(file => ForbiddenAssemblyPrefixes.Where(File.ReadAllText(file).Contains).Select(prefix => $"{Path.GetFileName(file)} mentions {prefix}"))
            .ToList();

        Assert.Empty(offending);
    }

    [Fact]
    public void Domain_types_reference_no_ef_aspnet_hangfire_or_octokit_types()
    {
        var domainTypes = DomainTypes(DomainNamespace);
        Assert.Contains(typeof(WorkItem), domainTypes);
        Assert.Contains(typeof(AgentScorer), domainTypes);

        Assert.Empty(ForbiddenReferences(domainTypes));
    }

    [Fact]
    public void The_reflection_check_finds_framework_references_where_they_exist()
    {
        // The data layer uses EF Core by design: the same check must see it, or it proves nothing for the domain.
        var dataTypes = DomainTypes("OpsConsole.Data");

        Assert.Contains(ForbiddenReferences(dataTypes), r => r.Contains("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    private static List<Type> DomainTypes(string ns) =>
        typeof(WorkItem).Assembly.GetTypes().Where(t => t.Namespace == ns).ToList();

    private static List<string> ForbiddenReferences(IEnumerable<Type> types)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var found = new List<string>();

        foreach (var type in types)
        {
            void Check(Type? referenced, string where)
            {
                foreach (var t in Expand(referenced))
                {
                    var assembly = t.Assembly.GetName().Name ?? "";
                    if (ForbiddenAssemblyPrefixes.Any(p => assembly.StartsWith(p, StringComparison.Ordinal)))
                    {
                        found.Add($"{type.FullName}.{where} uses {t.FullName} from {assembly}");
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
                foreach (var a in property.GetCustomAttributesData())
                {
                    Check(a.AttributeType, $"{property.Name} attribute");
                }
            }

            foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (method is MethodInfo info)
                {
                    Check(info.ReturnType, $"{method.Name} return");
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
        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var t in Expand(argument))
                {
                    yield return t;
                }
            }
        }
    }
}
