using System.Text.Json.Nodes;
using OpsConsole.Domain;

namespace OpsConsole.Features.Rules;

/// <summary>
/// A notification rule's <c>secret</c> is never shown once stored: reads see <see cref="RuleSafety.SecretMask"/>, and a save
/// that sends the mask back keeps the stored secret.
/// </summary>
public static class RuleSecrets
{
    public static string Masked(string actions) => RuleSafety.MaskSecret(actions);

    /// <summary>The actions to store: <paramref name="sent"/>, with the stored secret where the mask was sent back.</summary>
    public static string Keep(string sent, string stored)
    {
        if (!IsMask(sent))
        {
            return sent;
        }

        var old = JsonNode.Parse(stored) as JsonObject;
        return Transform(sent, o =>
        {
            if (old?["secret"] is JsonValue previous)
            {
                o["secret"] = previous.DeepClone();
            }
            else
            {
                o.Remove("secret");
            }
        });
    }

    /// <summary>For validation: a sent-back mask stands for a valid stored secret.</summary>
    public static string ForValidation(string actions) => IsMask(actions) ? Transform(actions, o => o["secret"] = "stored-secret") : actions;

    private static bool IsMask(string actions) =>
        actions.Contains(RuleSafety.SecretMask, StringComparison.Ordinal) && JsonNode.Parse(actions) is JsonObject o
        && o["secret"] is JsonValue v && v.TryGetValue<string>(out var s) && s == RuleSafety.SecretMask;

    private static string Transform(string actions, Action<JsonObject> change)
    {
        try
        {
            if (JsonNode.Parse(actions) is not JsonObject o)
            {
                return actions;
            }

            change(o);
            return o.ToJsonString();
        }
        catch (System.Text.Json.JsonException)
        {
            return actions;
        }
    }
}
