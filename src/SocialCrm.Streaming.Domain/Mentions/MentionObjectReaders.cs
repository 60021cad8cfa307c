using System.Text.Json;

namespace SocialCrm.Streaming.Domain.Mentions;

/// <summary>
/// Readers of the mention's two nested objects, author and metrics: each reads its own known fields once (a second one
/// is refused as in the mention itself), skips unknown ones, and stores the result into <see cref="MentionFields"/>.
/// </summary>
internal static class MentionObjectReaders
{
    public static Rejection? ReadAuthor(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FieldRejections.WrongType("author", "an object", reader.TokenType);
        }
        string? id = null, handle = null;
        long followers = 0;
        var verified = false;
        var seen = new SeenNames();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonFieldReader.NameIsText(ref reader, "author.") is { } notText)
            {
                return notText;
            }
            Rejection? error = null;
            if (reader.ValueTextEquals("id"u8)) error = seen.First(0, "author.id") ?? JsonFieldReader.ReadString(ref reader, "author.id", 1, MentionParser.MaxIdLength, out id);
            else if (reader.ValueTextEquals("handle"u8)) error = seen.First(1, "author.handle") ?? JsonFieldReader.ReadString(ref reader, "author.handle", 0, MentionParser.MaxIdLength, out handle);
            else if (reader.ValueTextEquals("followers"u8)) error = seen.First(2, "author.followers") ?? JsonFieldReader.ReadCount(ref reader, "author.followers", out followers);
            else if (reader.ValueTextEquals("verified"u8)) error = seen.First(3, "author.verified") ?? JsonFieldReader.ReadBoolean(ref reader, "author.verified", out verified);
            else
            {
                reader.Read();
                reader.Skip();
            }
            if (error is not null) return error;
        }
        if (id is null)
        {
            return new Rejection(RejectReason.MissingField, "author.id is required");
        }
        fields.Author = new Author(id, handle, followers, verified);
        return null;
    }

    public static Rejection? ReadMetrics(ref Utf8JsonReader reader, ref MentionFields fields)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FieldRejections.WrongType("metrics", "an object", reader.TokenType);
        }
        long likes = 0, shares = 0, replies = 0, views = 0;
        var seen = new SeenNames();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (JsonFieldReader.NameIsText(ref reader, "metrics.") is { } notText)
            {
                return notText;
            }
            Rejection? error = null;
            if (reader.ValueTextEquals("likes"u8)) error = seen.First(0, "metrics.likes") ?? JsonFieldReader.ReadCount(ref reader, "metrics.likes", out likes);
            else if (reader.ValueTextEquals("shares"u8)) error = seen.First(1, "metrics.shares") ?? JsonFieldReader.ReadCount(ref reader, "metrics.shares", out shares);
            else if (reader.ValueTextEquals("replies"u8)) error = seen.First(2, "metrics.replies") ?? JsonFieldReader.ReadCount(ref reader, "metrics.replies", out replies);
            else if (reader.ValueTextEquals("views"u8)) error = seen.First(3, "metrics.views") ?? JsonFieldReader.ReadCount(ref reader, "metrics.views", out views);
            else
            {
                reader.Read();
                reader.Skip();
            }
            if (error is not null) return error;
        }
        fields.Metrics = likes == 0 && shares == 0 && replies == 0 && views == 0
            ? EngagementMetrics.None
            : new EngagementMetrics(likes, shares, replies, views);
        return null;
    }

    /// <summary>Which of a nested object's known fields were read (bit per field), so a second one is refused.</summary>
    private struct SeenNames
    {
        private int _bits;

        public Rejection? First(int bit, string field)
        {
            var mask = 1 << bit;
            if ((_bits & mask) != 0)
            {
                return FieldRejections.Duplicate(field);
            }
            _bits |= mask;
            return null;
        }
    }
}
