using System.Text.Json;
using SocialCrm.Streaming.Cluster.Brands;
using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Cluster.Serialization;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Detection;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;
using SocialCrm.Streaming.Domain.Replay;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>The invariants every fuzz property checks; each throws (an xunit assertion) when one does not hold.</summary>
public static class RecordPath
{
    private static readonly RulesOptions Rules = new() { Competitors = ["globex"] };

    /// <summary>A mention or a rejection, exactly one, and never an exception.</summary>
    public static Mention? Parse(byte[] payload)
    {
        var outcome = MentionParser.Parse(payload);
        Assert.True(outcome.Mention is null != outcome.Rejection is null, "exactly one of mention and rejection");
        if (outcome.Mention is { } mention)
        {
            Assert.True(EventTime.IsWithinContract(mention.CreatedAt));
            Assert.DoesNotContain(':', mention.CustomerId ?? "");
        }
        return outcome.Mention;
    }

    /// <summary>A profile line: a profile, a tombstone or a rejection, and never an exception.</summary>
    public static (EntityId Id, CustomerProfile? Profile)? ParseProfileLine(byte[] payload)
    {
        var valid = CustomerProfileJson.TryParseLine(payload, out var id, out var profile, out var rejection);
        Assert.True(valid == rejection is null);
        var validValue = CustomerProfileJson.TryParseValue(payload, out var value, out var valueRejection);
        Assert.True(validValue == (value is not null) && validValue == valueRejection is null);
        if (valid)
        {
            Assert.True(EntityId.IsCustomerId(id.LocalIdSpan));
        }
        return valid ? (id, profile) : null;
    }

    /// <summary>
    /// Accepted records through the whole domain path: profiles, event time judged as a replay does, then analysis
    /// (and its JSON line), engine and detectors, the brand monitor, alert JSON, the cluster wire format (the messages that carry mentions and brand counts) and the
    /// replay state, each without an exception, and each round trip to an equal value.
    /// </summary>
    public static void Run(IEnumerable<byte[]> profileLines, IEnumerable<byte[]> mentions)
    {
        var replay = new ReplayEngine(Rules);
        foreach (var line in profileLines)
        {
            if (ParseProfileLine(line) is var (id, profile))
            {
                replay.ApplyProfile(id, profile);
            }
        }
        var signals = new List<DomainSignal>();
        var gate = new ReplayEventTimeGate<Mention>(TimeSpan.FromMinutes(5));
        var judged = new List<(Mention Item, Rejection? Rejection)>();
        foreach (var payload in mentions)
        {
            if (Parse(payload) is { } mention)
            {
                Assert.Null(EventTime.CheckNotAhead(mention.CreatedAt, EventTime.Latest, TimeSpan.FromMinutes(5)));
                gate.Add(mention, mention.CreatedAt, judged);
            }
        }
        gate.Complete(judged);
        long offset = 0;
        foreach (var (mention, rejection) in judged)
        {
            if (rejection is not null)
            {
                Assert.Equal(RejectReason.EventTimeOutOfRange, rejection.Reason);
                continue;
            }
            var position = new SourcePosition(0, offset++);
            replay.Process(mention, position, signals);
            RoundTrip(new ApplyMentions(mention.EntityId.Value, [new PositionedMention(mention, position)]));
            var analysis = replay.Engine.Analyze(mention);
            using (var analyzed = JsonDocument.Parse(AnalysisJson.Serialize(mention, analysis)))
            {
                Assert.Equal(mention.Id, analyzed.RootElement.GetProperty("id").GetString());
            }
            RoundTripCounts(new ObserveBrandCounts(mention.Brand,
                [new BrandMinuteCounts(mention.Brand, BrandMonitor.MinuteOf(mention.CreatedAt), analysis.Class == Domain.Analysis.SentimentClass.Negative ? 1 : 0, 1, 0)
                {
                    Samples = [new Evidence(mention.Id, mention.Platform.ToWire(), Excerpts.Make(mention.Text))],
                    LatestEventTime = mention.CreatedAt,
                }],
                BrandMonitor.MinuteOf(mention.CreatedAt), "node", offset));
        }
        replay.Finish(signals);
        foreach (var signal in signals)
        {
            using var json = JsonDocument.Parse(signal.ToJson());
            Assert.Equal(JsonValueKind.Object, json.RootElement.ValueKind);
        }
        var state = replay.ExportState();
        var restored = new ReplayEngine(Rules);
        restored.ImportState(state);
        Assert.Equal(state, restored.ExportState());
    }

    private static void RoundTrip(ApplyMentions message)
    {
        var entry = ClusterMessageTable.ForType(message.GetType());
        var back = (ApplyMentions)ClusterMessageTable.Deserialize(ClusterMessageTable.Serialize(message), entry.Manifest);
        Assert.Equal(message.EntityId, back.EntityId);
        Assert.Equal(message.Mentions, back.Mentions);
    }

    private static void RoundTripCounts(ObserveBrandCounts message)
    {
        var entry = ClusterMessageTable.ForType(message.GetType());
        var back = (ObserveBrandCounts)ClusterMessageTable.Deserialize(ClusterMessageTable.Serialize(message), entry.Manifest);
        Assert.Equal(message.Watermark, back.Watermark);
        Assert.Equal(message.Minutes.Select(m => m with { Samples = null }), back.Minutes.Select(m => m with { Samples = null }));
        Assert.Equal(message.Minutes.SelectMany(m => m.Samples ?? []), back.Minutes.SelectMany(m => m.Samples ?? []));
    }
}
