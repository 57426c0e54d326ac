using OpsConsole.Realtime;

namespace OpsConsole.UnitTests.Realtime;

public sealed class HubAudienceTests
{
    [Fact]
    public void A_group_has_an_audience_while_one_of_its_connections_is_in_it()
    {
        var audience = new HubAudience(new OpsConsole.Security.CredentialCache(TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OpsConsole.Security.CredentialCache>.Instance), new ClusterSettings(null));
        Assert.False(audience.Has(OrchestrationHub.Observers));

        audience.Join("c1", OrchestrationHub.Observers);
        audience.Join("c2", OrchestrationHub.Observers);
        audience.Leave("c1", OrchestrationHub.Observers);

        Assert.True(audience.Has(OrchestrationHub.Observers));
        audience.Leave("c2", OrchestrationHub.Observers);
        Assert.False(audience.Has(OrchestrationHub.Observers));
    }

    [Fact]
    public void A_closed_connection_leaves_every_group_it_was_in()
    {
        var audience = new HubAudience(new OpsConsole.Security.CredentialCache(TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OpsConsole.Security.CredentialCache>.Instance), new ClusterSettings(null));
        var task = OrchestrationHub.TaskGroup(Guid.NewGuid());
        audience.Join("c1", OrchestrationHub.Observers);
        audience.Join("c1", task);
        audience.Join("c2", task);

        audience.Gone("c1");

        Assert.False(audience.Has(OrchestrationHub.Observers));
        Assert.True(audience.Has(task));
        audience.Gone("c2");
        Assert.False(audience.Has(task));
    }
}
