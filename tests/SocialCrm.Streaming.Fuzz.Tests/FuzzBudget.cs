using System.Globalization;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>
/// How long each property runs. CI runs a short sample; a long run is selected with the environment:
/// <c>SOCIALCRM_FUZZ_SECONDS=600 dotnet test tests/SocialCrm.Streaming.Fuzz.Tests --filter Category=Fuzz</c>
/// (seconds per property). <c>SOCIALCRM_FUZZ_SEED</c> replays the seed CsCheck printed for a failure.
/// </summary>
public static class FuzzBudget
{
    public const string SecondsVariable = "SOCIALCRM_FUZZ_SECONDS";
    public const string SeedVariable = "SOCIALCRM_FUZZ_SEED";
    private const int CiSeconds = 2;

    public static int Seconds =>
        int.TryParse(Environment.GetEnvironmentVariable(SecondsVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? seconds
            : CiSeconds;

    public static string? Seed => Environment.GetEnvironmentVariable(SeedVariable) is { Length: > 0 } seed ? seed : null;
}
