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
        var seen = 0.0;
        for (var attempt = 0; attempt < 100 && seen == 0; attempt++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            await Task.Delay(100);
            seen = pauses.LongestBetween(before, DateTime.UtcNow);
        }

        Assert.True(seen > 0, "no garbage collection pause was seen within 10 s of forced collections");
        Assert.Equal(0, pauses.LongestBetween(before.AddHours(-2), before.AddHours(-1)));
    }
}
