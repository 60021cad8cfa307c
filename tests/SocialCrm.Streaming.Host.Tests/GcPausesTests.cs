using System.Globalization;
using SocialCrm.Streaming.Host.Bench;

namespace SocialCrm.Streaming.Host.Tests;

public sealed class GcPausesTests
{
    [Fact]
    public async Task A_collection_is_seen_as_a_pause_within_its_window_and_not_outside_it()
    {
        using var pauses = new GcPauses();
        var before = DateTime.UtcNow;
        // The listener is enabled asynchronously: collect until a pause is seen (the runtime's events come a little later).
        var seen = GcPause.None;
        for (var attempt = 0; attempt < 100 && seen.Milliseconds == 0; attempt++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            await Task.Delay(100);
            seen = pauses.LongestBetween(before, DateTime.UtcNow);
        }

        Assert.True(seen.Milliseconds > 0, "no garbage collection pause was seen within 10 s of forced collections");
        Assert.Equal(GcPause.None, pauses.LongestBetween(before.AddHours(-2), before.AddHours(-1)));
    }

    [Fact]
    public async Task A_pause_is_told_with_the_generation_its_collection_collected()
    {
        using var pauses = new GcPauses();
        var before = DateTime.UtcNow;
        IReadOnlyList<GcPause> seen = [];
        for (var attempt = 0; attempt < 100 && !seen.Any(pause => pause.Generation == 1); attempt++)
        {
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
            await Task.Delay(100);
            seen = pauses.Between(before, DateTime.UtcNow);
        }

        var gen1 = Assert.Single(seen.Where(pause => pause.Generation == 1).Take(1));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{gen1.Milliseconds:F1} (gen1)"), gen1.Describe());
        // Other tests' collections run in this process too: whatever their generation, it is one there is.
        Assert.All(seen, pause => Assert.InRange(pause.Generation ?? 0, 0, 2));
    }
}
