using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Privacy;

namespace SocialCrm.Streaming.Host.Privacy;

/// <summary>The data classes of this product's personal data, as Microsoft.Extensions.Compliance names them.</summary>
public static class PrivacyClassifications
{
    public const string Taxonomy = "SocialCrm";

    /// <summary>An entity id (<c>{brand}:{customerId}</c> or <c>{brand}:{platform}:{authorId}</c>): names a person.</summary>
    public static DataClassification EntityId { get; } = new(Taxonomy, nameof(EntityId));
}

/// <summary>
/// Redacts an entity id to its keyed pseudonym (<see cref="Pseudonymizer.ForLog"/>: <c>acme:~3f2a…</c>): logs can follow
/// one customer without naming them. Anything that is not an entity id is erased.
/// </summary>
public sealed class EntityIdRedactor(Pseudonymizer pseudonyms) : Redactor
{
    public override int GetRedactedLength(ReadOnlySpan<char> input) => Pseudonymise(input).Length;

    public override int Redact(ReadOnlySpan<char> source, Span<char> destination)
    {
        var redacted = Pseudonymise(source);
        redacted.CopyTo(destination);
        return redacted.Length;
    }

    private string Pseudonymise(ReadOnlySpan<char> source) =>
        EntityId.TryParse(source.ToString(), out var id) ? pseudonyms.ForLog(id) : "";
}
