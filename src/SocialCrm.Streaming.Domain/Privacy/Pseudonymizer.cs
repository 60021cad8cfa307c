using System.Security.Cryptography;
using System.Text;
using SocialCrm.Streaming.Domain.Mentions;

namespace SocialCrm.Streaming.Domain.Privacy;

/// <summary>
/// Keyed pseudonyms (HMAC-SHA256, the first 128 bits in lower-case hex): the same input and key give the same
/// pseudonym on every node and after every restart, and without the key nobody can test a guessed id against
/// one (a plain hash of a low-entropy id such as a handle or a CRM number is reversed by trying them all).
/// Inputs are domain-separated ("author" vs "entity"), so a pseudonym of one kind never equals one of another.
/// </summary>
public sealed class Pseudonymizer
{
    /// <summary>The shortest key accepted: 256 bits, as long as the hash.</summary>
    public const int MinKeyBytes = 32;

    /// <summary>Marks the local part of a pseudonymised entity id in logs: <c>acme:~3f2a…</c>.</summary>
    public const char LogMarker = '~';

    private readonly byte[] _key;

    public Pseudonymizer(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"a pseudonym key needs at least {MinKeyBytes} bytes; got {key.Length}", nameof(key));
        }
        _key = key.ToArray();
    }

    /// <summary>A key made for one process: its pseudonyms correlate within the process only.</summary>
    public static Pseudonymizer Ephemeral() => new(RandomNumberGenerator.GetBytes(MinKeyBytes));

    /// <summary>
    /// An entity id as logs show it: the brand (a tenant, not a person) and the keyed hash of the rest, so the lines
    /// of one customer can be followed and nobody reading the logs learns who it is.
    /// </summary>
    public string ForLog(EntityId id) => string.IsNullOrEmpty(id.Value)
        ? ""
        : string.Concat(id.BrandSpan, ":", LogMarker.ToString(), Hash("entity", id.LocalIdSpan));

    /// <summary>The author id a prospect's keys and payloads carry when authors are pseudonymised.</summary>
    public string AuthorId(Platform platform, string authorId) => Hash("author:" + platform.ToWire(), authorId);

    /// <summary>
    /// A prospect's mention with its author pseudonymised: the id becomes <see cref="AuthorId"/>; the handle and the
    /// post's link are dropped (each names the person as well as the id does; the mention id still finds the post).
    /// Customers (resolved upstream) keep their CRM id.
    /// </summary>
    public Mention PseudonymiseAuthor(Mention mention) => mention.CustomerId is not null
        ? mention
        : mention with { Author = mention.Author with { Id = AuthorId(mention.Platform, mention.Author.Id), Handle = null }, Url = null };

    /// <summary>Replaces the entity id and its local part wherever a message quotes them (store errors may name the key).</summary>
    public string Scrub(string text, EntityId id)
    {
        if (string.IsNullOrEmpty(id.Value) || text.IndexOf(id.LocalIdSpan, StringComparison.Ordinal) < 0)
        {
            return text;
        }
        var pseudonym = ForLog(id);
        return text.Replace(id.Value, pseudonym, StringComparison.Ordinal)
            .Replace(id.LocalId, pseudonym[(id.BrandSpan.Length + 1)..], StringComparison.Ordinal);
    }

    private string Hash(string purpose, ReadOnlySpan<char> value)
    {
        var input = new byte[Encoding.UTF8.GetByteCount(purpose) + 1 + Encoding.UTF8.GetByteCount(value)];
        var written = Encoding.UTF8.GetBytes(purpose, input);
        input[written++] = 0;
        Encoding.UTF8.GetBytes(value, input.AsSpan(written));
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, input, mac);
        return Convert.ToHexStringLower(mac[..16]);
    }
}
