using System.Buffers;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Analysis;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Replay;

/// <summary>
/// The output line of <c>socialcrm analyze</c>:
/// <c>{"id","entityId","sentiment","sentimentClass","confidence","intents":[{"name","evidence":{"start","length","text"}}],"lang"}</c>.
/// <c>start</c>/<c>length</c> index UTF-16 code units of the mention text (what .NET and JavaScript strings index).
/// </summary>
public static class AnalysisJson
{
    public static byte[] Serialize(Mention mention, MentionAnalysis analysis)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, AlertJson.WriterOptions))
        {
            Write(writer, mention, analysis);
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter w, Mention mention, MentionAnalysis analysis)
    {
        w.WriteStartObject();
        w.WriteString("id"u8, mention.Id);
        w.WriteString("entityId"u8, mention.EntityId.Value);
        w.WriteNumber("sentiment"u8, analysis.Compound);
        w.WriteString("sentimentClass"u8, analysis.Class.ToWire());
        w.WriteString("confidence"u8, analysis.Confidence.ToWire());
        w.WriteStartArray("intents"u8);
        foreach (var intent in analysis.Intents)
        {
            w.WriteStartObject();
            w.WriteString("name"u8, intent.Name);
            w.WriteStartObject("evidence"u8);
            w.WriteNumber("start"u8, intent.Start);
            w.WriteNumber("length"u8, intent.Length);
            w.WriteString("text"u8, intent.Text);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("lang"u8, analysis.Language.Code);
        w.WriteEndObject();
    }
}
