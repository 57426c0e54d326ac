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
            // Darker than Material's defaults so white text on chips and buttons (and the colour as text) stays readable.
            Warning = "#b45309",
            Info = "#0b6bcb",
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
            Info = "#4fa3f7",
            // These fills are light on a dark page: white text on them is unreadable (about 2:1), dark text is not.
            PrimaryContrastText = "#0b1724",
            SecondaryContrastText = "#0b1724",
            WarningContrastText = "#0b1724",
            SuccessContrastText = "#0b1724",
            InfoContrastText = "#0b1724",
        },
    };
}
