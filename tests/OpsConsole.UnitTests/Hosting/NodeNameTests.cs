using Microsoft.Extensions.Configuration;
using OpsConsole.Hosting;

namespace OpsConsole.UnitTests.Hosting;

/// <summary>The <c>node</c> label of every metric: two nodes on one machine (two ports) or on two machines are told apart.</summary>
public sealed class NodeNameTests
{
    private static string NodeOf(string? urls, string? configured = null) =>
        Telemetry.NodeName(new OpsConsoleOptions { NodeName = configured },
            new ConfigurationBuilder().AddInMemoryCollection(urls is null ? [] : [new("urls", urls)]).Build());

    [Theory]
    [InlineData(null, "5080")]
    [InlineData("http://0.0.0.0:6001;http://localhost:6002", "6001")]
    [InlineData("http://+:7000/", "7000")]
    [InlineData("https://ops.example.com", "443")]
    [InlineData("http://ops.example.com", "80")]
    public void Without_a_configured_name_a_node_is_its_machine_and_the_port_it_listens_on(string? urls, string port) =>
        Assert.Equal($"{Environment.MachineName}:{port}", NodeOf(urls));

    [Fact]
    public void A_configured_node_name_wins() => Assert.Equal("ops-b", NodeOf("http://localhost:6001", " ops-b "));
}
