namespace OpsConsole.Domain;

public static class TextClip
{
    /// <summary>The first <paramref name="max"/> characters, and "…" when something was cut.</summary>
    public static string Clip(this string text, int max) => text.Length <= max ? text : text[..max] + "…";
}
