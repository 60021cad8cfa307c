using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Profiles;

namespace SocialCrm.Streaming.Domain.Tests;

/// <summary>
/// Every member of each enum written to Redis, Kafka or JSON has a wire name of its own, and a value outside the enum
/// (a cast from a number) is refused rather than written as whichever name a catch-all arm happened to give.
/// </summary>
public sealed class WireNameTests
{
    public static TheoryData<string> Enums => [.. Table.Keys];

    /// <summary>Each enum by name: its type and its wire name of a value given as a number.</summary>
    private static readonly Dictionary<string, (Type Enum, Func<int, string> Name)> Table = new()
    {
        [nameof(Priority)] = (typeof(Priority), v => ((Priority)v).ToWire()),
        [nameof(CrisisKind)] = (typeof(CrisisKind), v => ((CrisisKind)v).ToWire()),
        [nameof(TriggerType)] = (typeof(TriggerType), v => ((TriggerType)v).ToWire()),
        [nameof(MentionKind)] = (typeof(MentionKind), v => ((MentionKind)v).ToWire()),
        [nameof(Platform)] = (typeof(Platform), v => ((Platform)v).ToWire()),
        [nameof(IntentKind)] = (typeof(IntentKind), v => ((IntentKind)v).ToWire()),
        [nameof(SentimentClass)] = (typeof(SentimentClass), v => ((SentimentClass)v).ToWire()),
        [nameof(SentimentConfidence)] = (typeof(SentimentConfidence), v => ((SentimentConfidence)v).ToWire()),
        [nameof(ValueTier)] = (typeof(ValueTier), v => ((ValueTier)v).ToWire()),
        [nameof(LifecycleStage)] = (typeof(LifecycleStage), v => ((LifecycleStage)v).ToWire()),
        [nameof(Detector)] = (typeof(Detector), v => ((Detector)v).ToWire()),
    };

    [Theory]
    [MemberData(nameof(Enums))]
    public void Each_member_has_its_own_name_and_a_value_outside_the_enum_is_refused(string enumName)
    {
        var (type, name) = Table[enumName];
        var values = Enum.GetValues(type).Cast<object>().Select(v => Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var names = values.Select(name).ToList();
        Assert.All(names, name => Assert.Matches("^[a-zA-Z0-9-]+$", name));
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => name(values.Max() + 1));
    }
}
