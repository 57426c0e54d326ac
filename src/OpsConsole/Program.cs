using OpsConsole.Domain;
using OpsConsole.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(CommandLineSwitches.Normalize(args));
    builder.AddOpsConsole();
    var app = builder.Build();
    app.UseOpsConsole();
    await app.RunAsync();
    return 0;
}
catch (OpsConsoleSettingsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
