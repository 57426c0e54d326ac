using System.Runtime.InteropServices;

namespace OpsConsole.Hosting;

/// <summary>
/// The databases, the Data Protection keys and the logs hold task payloads, hashes and keys: on Linux and macOS they are
/// readable by the console's own account only. Files the process creates from now on are 0600 and folders 0700 (umask
/// 077), and the data and log folders of an earlier version are tightened on start.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static void Apply(params string[] folders)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS permissions are inherited from the folder the administrator chose
        }

        _ = Umask(0b000_111_111);
        foreach (var folder in folders.Select(Path.GetFullPath).Distinct())
        {
            Directory.CreateDirectory(folder);
            System.IO.File.SetUnixFileMode(folder, Folder);
            foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            {
                entry.UnixFileMode = entry is DirectoryInfo ? Folder : File;
            }
        }
    }

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);
}
