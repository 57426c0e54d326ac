using MudBlazor;

namespace OpsConsole.Components.Layout;

public static class OpsTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#8e24aa",
            AppbarBackground = "#102a43",
            Error = "#c62828",
            Warning = "#ef6c00",
            Success = "#2e7d32",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64b5f6",
            Secondary = "#ce93d8",
            AppbarBackground = "#0b1724",
            Background = "#0f1b27",
            Surface = "#16263a",
            DrawerBackground = "#122133",
            Error = "#ef5350",
            Warning = "#ffa726",
            Success = "#66bb6a",
        },
    };
}
