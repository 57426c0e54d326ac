using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace OpsConsole.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the context without starting the app.</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<OpsDbContext>
{
    public OpsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<OpsDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
