using System.Security.Cryptography;
using System.Text;

namespace OpsConsole.Security;

/// <summary>Generates keys and tokens and hashes them for storage; the plain value is shown once and never stored.</summary>
public static class Secrets
{
    public const string ApiKeyPrefix = "ops_";
    public const string AgentTokenPrefix = "opa_";

    public static string NewApiKey() => ApiKeyPrefix + Random(32);

    public static string NewAgentToken() => AgentTokenPrefix + Random(32);

    public static string NewPassword() => Random(12) + "-Aa1";

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Random(int bytes) =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
