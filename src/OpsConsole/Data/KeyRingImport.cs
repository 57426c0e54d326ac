using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace OpsConsole.Data;

/// <summary>
/// Moving a single node to PostgreSQL keeps what it encrypted readable: on a start on PostgreSQL, the keys of the node's
/// <c>data/keys</c> folder that the shared key ring does not have yet are copied into it (as Data Protection stores them:
/// one row per key XML). Nothing is deleted; a folder with no keys, or keys already there, changes nothing.
/// </summary>
public static class KeyRingImport
{
    public static async Task<int> FromFolderAsync(OpsDbContext db, string folder, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var known = await db.DataProtectionKeys.AsNoTracking().Select(k => k.FriendlyName).ToListAsync(cancellationToken);
        var added = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "key-*.xml").Order())
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (known.Contains(name))
            {
                continue;
            }

            var xml = XElement.Load(file);
            db.DataProtectionKeys.Add(new DataProtectionKey { FriendlyName = name, Xml = xml.ToString(SaveOptions.DisableFormatting) });
            added++;
        }

        if (added > 0)
        {
            await db.SaveChangesAsync(cancellationToken);
        }

        return added;
    }
}
