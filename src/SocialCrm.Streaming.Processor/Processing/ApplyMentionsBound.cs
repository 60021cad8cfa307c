using SocialCrm.Streaming.Cluster.Customers;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// How much one <see cref="ApplyMentions"/> may carry: at most <see cref="ApplyMentions.MaxMentions"/> mentions, and an
/// estimated size under remoting's default frame of 128,000 bytes (a mention's strings counted at 3 UTF-8 bytes a
/// character, the most a UTF-16 character needs, plus its numbers). The <see cref="CustomerBatchBuilder"/> fills a
/// message up to it, and the <see cref="CustomerDispatcher"/> merges a customer's queued messages up to it.
/// </summary>
public static class ApplyMentionsBound
{
    private const int ByteBudget = 96_000;

    private const int BytesPerMentionBesidesStrings = 64;

    /// <summary>Whether a message of <paramref name="mentions"/> mentions, <paramref name="bytes"/> estimated, has room for <paramref name="moreMentions"/> more of <paramref name="moreBytes"/>.</summary>
    public static bool HasRoom(int mentions, int bytes, int moreMentions, int moreBytes) =>
        mentions + moreMentions <= ApplyMentions.MaxMentions && bytes + moreBytes <= ByteBudget;

    public static int EstimatedBytes(Mention mention)
    {
        var characters = mention.Text.Length + mention.Id.Length + mention.Brand.Length + (mention.CustomerId?.Length ?? 0)
            + mention.Author.Id.Length + (mention.Author.Handle?.Length ?? 0) + (mention.Lang?.Length ?? 0) + (mention.InReplyTo?.Length ?? 0)
            + (mention.Url?.Length ?? 0);
        return 3 * characters + BytesPerMentionBesidesStrings;
    }

    public static int EstimatedBytes(IReadOnlyList<PositionedMention> mentions)
    {
        var bytes = 0;
        foreach (var mention in mentions)
        {
            bytes += EstimatedBytes(mention.Mention);
        }
        return bytes;
    }
}
