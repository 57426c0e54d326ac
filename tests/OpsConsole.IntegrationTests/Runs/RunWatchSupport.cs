using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Runs;

/// <summary>An app whose runs stall after two minutes without a report (Orchestration:StallTimeoutSeconds = 120).</summary>
public sealed class StallingConsole : OpsConsoleFactory
{
    public const int StallSeconds = 120;

    protected override IEnumerable<KeyValuePair<string, string>> Settings => [new("Orchestration:StallTimeoutSeconds", StallSeconds.ToString())];
}

/// <summary>What a hub connection hears of one event, in order.</summary>
public sealed class HubEvents
{
    private readonly Channel<JsonObject> received = Channel.CreateUnbounded<JsonObject>();

    public HubEvents(HubConnection hub, string name) =>
        hub.On<JsonElement>(name, e => received.Writer.TryWrite(JsonNode.Parse(e.GetRawText())!.AsObject()));

    public async Task<JsonObject> NextAsync(Func<JsonObject, bool>? wanted = null)
    {
        using var timeout = new CancellationTokenSource(TestAgent.EventTimeout);
        while (true)
        {
            var next = await received.Reader.ReadAsync(timeout.Token);
            if (wanted is null || wanted(next))
            {
                return next;
            }
        }
    }

    public List<JsonObject> Drain()
    {
        var all = new List<JsonObject>();
        while (received.Reader.TryRead(out var e))
        {
            all.Add(e);
        }

        return all;
    }
}
