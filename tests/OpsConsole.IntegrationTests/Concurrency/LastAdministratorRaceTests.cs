using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Domain;
using OpsConsole.IntegrationTests.Infrastructure;
using OpsConsole.Security;

namespace OpsConsole.IntegrationTests.Concurrency;

/// <summary>
/// "The last administrator stays" is kept by the database, not by a lock in one process: two nodes on one PostgreSQL,
/// the only two administrators demoting each other at the same moment, round after round, always leave one.
/// </summary>
public sealed class LastAdministratorRaceTests : IAsyncLifetime
{
    private readonly PostgresOpsConsoleFactory nodeA = new();
    private PostgresOpsConsoleFactory nodeB = default!;

    [Fact]
    public async Task Two_administrators_demoting_each_other_on_two_nodes_at_once_leave_one_administrator()
    {
        var usersOnA = nodeA.Services.GetRequiredService<UserAdministration>();
        var usersOnB = nodeB.Services.GetRequiredService<UserAdministration>();
        var seeded = (await usersOnA.ListAsync(CancellationToken.None)).Single(u => u.UserName == "admin");

        for (var round = 0; round < 5; round++)
        {
            var ada = await usersOnA.CreateAsync(new NewUser(People.Unique("ada"), ApiRole.Admin, People.Password), People.Admin(), CancellationToken.None);
            var bob = await usersOnA.CreateAsync(new NewUser(People.Unique("bob"), ApiRole.Admin, People.Password), People.Admin(), CancellationToken.None);
            await usersOnA.ChangeRoleAsync(seeded.Id, ApiRole.Viewer, People.Admin(ada.UserName), CancellationToken.None);

            var adaDemotesBob = Attempt(() => usersOnA.ChangeRoleAsync(bob.Id, ApiRole.Viewer, People.Admin(ada.UserName), CancellationToken.None));
            var bobDemotesAda = Attempt(() => usersOnB.ChangeRoleAsync(ada.Id, ApiRole.Viewer, People.Admin(bob.UserName), CancellationToken.None));
            var outcomes = await Task.WhenAll(adaDemotesBob, bobDemotesAda);

            var admins = (await usersOnA.ListAsync(CancellationToken.None)).Where(u => u.Role == ApiRole.Admin && !u.IsLocked(DateTime.UtcNow)).ToList();
            Assert.True(admins.Count >= 1, $"round {round}: no administrator left ({string.Join(", ", outcomes)})");
            Assert.Contains(outcomes, o => o != "done");

            // Back to the start: the seeded admin is the administrator again, and this round's two are not.
            var survivor = admins[0].UserName;
            await usersOnA.ChangeRoleAsync(seeded.Id, ApiRole.Admin, People.Admin(survivor), CancellationToken.None);
            foreach (var other in admins.Where(a => a.Id != seeded.Id))
            {
                await usersOnA.ChangeRoleAsync(other.Id, ApiRole.Viewer, People.Admin(), CancellationToken.None);
            }
        }
    }

    private static async Task<string> Attempt(Func<Task> change)
    {
        try
        {
            await change();
            return "done";
        }
        catch (RefusedException refused)
        {
            return $"refused ({refused.Kind})";
        }
    }

    public Task InitializeAsync()
    {
        _ = nodeA.Server; // node A creates and migrates the databases; B joins them
        nodeB = new PostgresOpsConsoleFactory(nodeA.AppDatabase, nodeA.HangfireDatabase);
        _ = nodeB.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await nodeB.DisposeAsync();
        await nodeA.DisposeAsync();
    }
}
