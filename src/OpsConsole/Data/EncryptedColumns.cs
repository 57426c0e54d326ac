using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using OpsConsole.Domain;

namespace OpsConsole.Data;

/// <summary>
/// The free-text payloads that may carry what redaction missed (task input, output and error, agents' step data, the
/// failure's message, a bug's steps and captured state) are stored encrypted with ASP.NET Core Data Protection, whose
/// keys live in the data directory (<c>keys/</c>) and rotate by themselves every 90 days; older keys keep decrypting.
/// A stored value reads <c>dp1:</c> + the protected text, so rows written before encryption (plain text) still read.
/// An empty value (<c>""</c> or the empty object <c>{}</c>, what most log lines and tasks without input carry) has nothing to
/// hide and is stored as it is: encrypting it would cost a key derivation, an AES pass and an HMAC on every write and read.
/// The columns stay text of the same type: no migration, but they cannot be filtered or searched in SQL.
/// </summary>
public static class EncryptedColumns
{
    public const string Prefix = "dp1:";
    public const string Purpose = "OpsConsole.Data.EncryptedColumns.v1";

    /// <summary>What the audit trail keeps instead of an encrypted field's value.</summary>
    public const string AuditPlaceholder = "(encrypted)";

    /// <summary>Applies the converter to every encrypted property; called once from <see cref="OpsDbContext.OnModelCreating"/>.</summary>
    public static void ApplyEncryptedColumns(this ModelBuilder builder, DbContext context)
    {
        var protector = ProtectorFor(context);
        if (protector is null && !EF.IsDesignTime)
        {
            // Never silently store plain text: a context without the app's services is a wiring mistake.
            throw new InvalidOperationException(
                "The database context was built without Data Protection; create it through the app's IDbContextFactory<OpsDbContext>.");
        }

        builder.Entity<WorkItem>(e =>
        {
            Encrypt(e.Property(w => w.InputData), protector);
            Encrypt(e.Property(w => w.OutputData), protector);
            Encrypt(e.Property(w => w.ErrorDetails), protector);
        });
        builder.Entity<WorkItemLogEntry>(e => Encrypt(e.Property(l => l.StepData), protector));
        builder.Entity<Assignment>(e =>
        {
            Encrypt(e.Property(a => a.ErrorMessage), protector);
            Encrypt(e.Property(a => a.OutputTail), protector);
        });
        builder.Entity<FailureRecord>(e => Encrypt(e.Property(f => f.ErrorMessage), protector));
        builder.Entity<BugReport>(e =>
        {
            Encrypt(e.Property(b => b.StepsToReproduce), protector);
            Encrypt(e.Property(b => b.ExpectedBehavior), protector);
            Encrypt(e.Property(b => b.ActualBehavior), protector);
            Encrypt(e.Property(b => b.BrowserInfo), protector);
            Encrypt(e.Property(b => b.ApplicationState), protector);
        });
    }

    /// <summary>Whether a property is stored encrypted (the audit trail then records that it changed, not its value).</summary>
    public static bool IsEncrypted(IReadOnlyProperty property) => property.GetValueConverter() is ProtectedTextConverter;

    /// <summary>
    /// EF Core caches one model per context type for the whole process, but each app (each test's app, too) has its own
    /// key ring: the model, whose converters hold the protector, is cached per protector.
    /// </summary>
    public static DbContextOptionsBuilder UseEncryptedColumns(this DbContextOptionsBuilder options) =>
        options.ReplaceService<IModelCacheKeyFactory, ProtectorModelCacheKeyFactory>();

    private static IDataProtector? ProtectorFor(DbContext context) =>
        context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider
            ?.GetService<IDataProtectionProvider>()?.CreateProtector(Purpose);

    private static void Encrypt<T>(PropertyBuilder<T> property, IDataProtector? protector)
    {
        if (protector is not null)
        {
            property.HasConversion(new ProtectedTextConverter(protector));
        }
    }

    /// <summary>Whether <paramref name="value"/> is stored as it is: empty text or an empty JSON object reveals nothing.</summary>
    public static bool NothingToHide(string value) => value.Length == 0 || value == "{}";

    private sealed class ProtectedTextConverter(IDataProtector protector) : ValueConverter<string, string>(
        v => NothingToHide(v) ? v : Prefix + protector.Protect(v),
        v => v.StartsWith(Prefix, StringComparison.Ordinal) ? protector.Unprotect(v.Substring(Prefix.Length)) : v);

    private sealed class ProtectorModelCacheKeyFactory : IModelCacheKeyFactory
    {
        public object Create(DbContext context, bool designTime) =>
            (context.GetType(), context.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?.GetService<IDataProtectionProvider>(), designTime);
    }
}
