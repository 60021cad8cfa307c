using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// One mention of a customer's timeline (the newest kept in Redis for care tools): id, platform, event time,
/// kind, sentiment class, a redacted excerpt (withheld without consent) and the post's link when given.
/// </summary>
public static class TimelineEntry
{
    public static string Of(Mention mention, MentionAnalysis analysis, bool withText)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, AlertJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, mention.Id);
            w.WriteString("platform"u8, mention.Platform.ToWire());
            w.WriteString("createdAt"u8, AlertJson.FormatTime(mention.CreatedAt));
            w.WriteString("kind"u8, mention.Kind.ToWire());
            w.WriteString("sentiment"u8, analysis.Class.ToWire());
            w.WriteString("excerpt"u8, withText ? Excerpts.Make(mention.Text) : Excerpts.Withheld);
            if (mention.Url is not null)
            {
                w.WriteString("url"u8, mention.Url);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
