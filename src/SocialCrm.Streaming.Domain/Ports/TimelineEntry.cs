using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// One mention of a customer's timeline (the newest kept in Redis for care tools): id, platform, event time,
/// kind, sentiment class, a redacted excerpt (withheld without consent) and the post's link when given.
/// Made per mention as UTF-8, which is what the store writes: no string is made, nor transcoded twice.
/// </summary>
public static class TimelineEntry
{
    public static byte[] Of(Mention mention, MentionAnalysis analysis, bool withText)
    {
        var w = ReusableJsonWriter.Start();
        w.WriteStartObject();
        w.WriteString("id"u8, mention.Id);
        w.WriteString("platform"u8, mention.Platform.ToWire());
        w.WriteString("createdAt"u8, AlertJson.FormatTime(mention.CreatedAt, stackalloc char[AlertJson.MaxTimeLength]));
        w.WriteString("kind"u8, mention.Kind.ToWire());
        w.WriteString("sentiment"u8, analysis.Class.ToWire());
        if (withText)
        {
            Excerpts.Write(w, "excerpt"u8, mention.Text);
        }
        else
        {
            w.WriteString("excerpt"u8, Excerpts.Withheld);
        }
        if (mention.Url is not null)
        {
            w.WriteString("url"u8, mention.Url);
        }
        w.WriteEndObject();
        return ReusableJsonWriter.ToUtf8Array();
    }
}
