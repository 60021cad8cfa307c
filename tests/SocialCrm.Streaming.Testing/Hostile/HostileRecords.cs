using System.Globalization;
using System.Text;

namespace SocialCrm.Streaming.Testing.Hostile;

/// <summary>
/// One record of a hostile load: what is produced (key, value, topic) and what must become of it: counted for
/// <see cref="EntityId"/> (a valid record, however odd), or dead-lettered with <see cref="ExpectedReason"/>.
/// </summary>
public sealed record HostileRecord(string Class, bool ToProfiles, byte[]? Key, byte[]? Value, string? ExpectedReason, string? EntityId)
{
    public bool IsValid => ExpectedReason is null;

    public override string ToString() => Class;
}

/// <summary>
/// Every class of input found to break, or nearly break, a node: text that is not text, event times far from the
/// stream's, identities that collide, nesting, duplicate fields, numbers out of range, keys and payloads of any size,
/// tombstones where none belong, brands not taken on, and odd but valid mentions that must still count. Each class
/// names the reason its records are dead-lettered with (the wire names of the dead-letter contract), or none.
/// </summary>
public static class HostileRecords
{
    /// <summary>
    /// <paramref name="copies"/> records of each class, for brand <paramref name="brand"/>; the valid ones are spread over
    /// their own customers (<c>h-{class}-{n}</c>) so their counts can be checked exactly. <paramref name="now"/> anchors
    /// event times (valid ones lie a little before it, future ones far after it).
    /// </summary>
    public static IReadOnlyList<HostileRecord> Load(string brand, DateTimeOffset now, int copies = 3, string unknownBrand = "intruder")
    {
        var records = new List<HostileRecord>();
        for (var n = 0; n < copies; n++)
        {
            var at = now.AddMinutes(-10).AddSeconds(n);
            foreach (var make in Classes)
            {
                records.Add(make(new Context(brand, unknownBrand, at, now, n)));
            }
        }
        return records;
    }

    private sealed record Context(string Brand, string UnknownBrand, DateTimeOffset At, DateTimeOffset Now, int N)
    {
        public string Customer(string cls) => $"h-{cls}-{N}";
    }

    private static readonly Func<Context, HostileRecord>[] Classes =
    [
        // Text that is not text: a lone surrogate escape, in the text and in a field name.
        c => Reject(c, "lone-surrogate-text", Json(c, "lone-surrogate-text", text: "\"broken \\ud800 text\""), "invalid-text"),
        c => Reject(c, "lone-surrogate-field-name", Json(c, "lone-surrogate-field-name", extra: "\"x\\udc00y\":1"), "invalid-text"),
        c => Reject(c, "invalid-utf8", [.. Json(c, "invalid-utf8")[..20], 0xC3, 0x28, .. Json(c, "invalid-utf8")[20..]], "invalid-utf8"),
        // Event time far from now: the future (a year, year 9999) is refused; the distant past is a valid backfill.
        c => Reject(c, "future-year", Json(c, "future-year", createdAt: Rfc3339(c.Now.AddYears(1))), "event-time-out-of-range"),
        c => Reject(c, "year-9999", Json(c, "year-9999", createdAt: "\"9999-12-31T23:59:59Z\""), "event-time-out-of-range"),
        c => Valid(c, "backfill-2019", Json(c, "backfill-2019", createdAt: "\"2019-03-01T08:00:00+05:30\"")),
        // Identities that would collide: a customer id that reads as platform:author.
        c => Reject(c, "colon-customer-id", Json(c, "colon-customer-id", customerId: "x:123"), "invalid-field"),
        c => Reject(c, "key-not-entity", Json(c, "key-not-entity"), "key-mismatch", key: $"{c.Brand}:someone-else"),
        c => Reject(c, "huge-key", Json(c, "huge-key"), "key-mismatch", key: new string('k', 600 * 1024)),
        // Structure: nesting, duplicates, wrong shapes, numbers beyond double, NaN.
        c => Reject(c, "deep-nesting", Json(c, "deep-nesting", extra: "\"x\":" + new string('[', 200) + new string(']', 200)), "too-deep"),
        c => Reject(c, "duplicate-brand", Json(c, "duplicate-brand", extra: $"\"brand\":\"{c.Brand}\""), "duplicate-field"),
        c => Reject(c, "number-beyond-double", Json(c, "number-beyond-double", extra: "\"rating\":1e309"), "invalid-field"),
        c => Reject(c, "nan", Json(c, "nan", extra: "\"sentiment\":NaN"), "invalid-json"),
        c => Reject(c, "array-payload", "[1,2,3]"u8.ToArray(), "not-an-object"),
        c => Reject(c, "empty-payload", [], "invalid-json"),
        c => Reject(c, "tombstone-on-mentions", null, "invalid-json"),
        c => Reject(c, "too-large", Json(c, "too-large", text: $"\"{new string('a', 200 * 1024)}\""), "too-large"),
        c => Reject(c, "missing-author", Encoding.UTF8.GetBytes($$"""{"id":"m-{{c.N}}","platform":"x","brand":"{{c.Brand}}","text":"hi","createdAt":{{Rfc3339(c.At)}}}"""), "missing-field", key: null),
        // Valid however odd: unknown fields of any shape, a huge ignored array, control characters, emoji, RTL, a BOM.
        c => Valid(c, "huge-unknown-array", Json(c, "huge-unknown-array", extra: "\"ignored\":[" + string.Join(',', Enumerable.Repeat("0", 40_000)) + "]")),
        c => Valid(c, "odd-text", Json(c, "odd-text", text: "\"\\u0000\\u0007 tab\\t zero\\u200bwidth \\u202eRTL مرحبا 😡😡 \\ud83d\\ude21\"")),
        c => Valid(c, "leading-bom", [0xEF, 0xBB, 0xBF, .. Json(c, "leading-bom")]),
        c => Valid(c, "extreme-counts", Json(c, "extreme-counts", followers: "9223372036854775807", extra: "\"metrics\":{\"likes\":9223372036854775807,\"shares\":0}")),
        // Valid as JSON Schema and RFC 3339 read them: counts written as doubles (48210.0, 1.2e2), a lower-case 't' and 'z'.
        c => Valid(c, "counts-as-doubles", Json(c, "counts-as-doubles", followers: "48210.0", extra: "\"metrics\":{\"likes\":1.2e2,\"views\":3.0E4}")),
        c => Valid(c, "lower-case-timestamp", Json(c, "lower-case-timestamp", createdAt: Rfc3339(c.At).ToLowerInvariant())),
        // Tenants: a brand not taken on.
        c => Reject(c, "unknown-brand", Json(c with { Brand = c.UnknownBrand }, "unknown-brand"), "unknown-brand", key: $"{c.UnknownBrand}:{c.Customer("unknown-brand")}"),
        // Profiles: a key that is no customer, a customer id with a colon, a value that is not a profile.
        c => Profile(c, "profile-key-without-customer", c.Brand, """{"valueTier":"gold"}""", "invalid-profile"),
        c => Profile(c, "profile-colon-customer", $"{c.Brand}:x:123", """{"valueTier":"gold"}""", "invalid-profile"),
        c => Profile(c, "profile-lone-surrogate", $"{c.Brand}:{c.Customer("profile-lone-surrogate")}", """{"valueTier":"gold","segment":"\ud800"}""", "invalid-text"),
        // Profile keys no mention could reach: a brand outside the brand rule, a customer id too long, bytes that are no
        // UTF-8 (read leniently, they would name another customer).
        c => Profile(c, "profile-upper-case-brand", $"{c.Brand.ToUpperInvariant()}:{c.Customer("profile-upper-case-brand")}", """{"valueTier":"gold"}""", "invalid-profile"),
        c => Profile(c, "profile-long-customer-id", $"{c.Brand}:{new string('c', 129)}", """{"valueTier":"gold"}""", "invalid-profile"),
        c => Profile(c, "profile-clv-as-string", $"{c.Brand}:{c.Customer("profile-clv-as-string")}", """{"valueTier":"gold","clv":"18250.50","consent":{"processing":true}}""", "invalid-profile"),
        c => new HostileRecord("profile-key-not-utf8", true, [.. Encoding.UTF8.GetBytes($"{c.Brand}:c"), 0xC3, 0x28], Encoding.UTF8.GetBytes("""{"valueTier":"gold"}"""), "invalid-profile", null),
    ];

    private static HostileRecord Valid(Context c, string cls, byte[] value) =>
        new(cls, false, Encoding.UTF8.GetBytes($"{c.Brand}:{c.Customer(cls)}"), value, null, $"{c.Brand}:{c.Customer(cls)}");

    private static HostileRecord Reject(Context c, string cls, byte[]? value, string reason, string? key = "") =>
        new(cls, false, key is null ? null : Encoding.UTF8.GetBytes(key.Length == 0 ? $"{c.Brand}:{c.Customer(cls)}" : key), value, reason, null);

    private static HostileRecord Profile(Context c, string cls, string key, string value, string reason) =>
        new(cls, true, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value), reason, null);

    private static string Rfc3339(DateTimeOffset at) => "\"" + at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) + "\"";

    /// <summary>A mention of customer <c>h-{cls}-{n}</c> as JSON, with raw JSON pieces to replace or add.</summary>
    private static byte[] Json(Context c, string cls, string? text = null, string? createdAt = null, string? customerId = null,
        string followers = "120", string? extra = null) =>
        Encoding.UTF8.GetBytes(
            "{" +
            $"\"id\":\"{cls}-{c.N}\",\"platform\":\"x\",\"brand\":\"{c.Brand}\",\"customerId\":\"{customerId ?? c.Customer(cls)}\"," +
            $"\"author\":{{\"id\":\"author-{cls}-{c.N}\",\"handle\":\"@h\",\"followers\":{followers},\"verified\":false}}," +
            $"\"text\":{text ?? "\"the app crashed again, so annoying\""},\"createdAt\":{createdAt ?? Rfc3339(c.At)}" +
            (extra is null ? "" : "," + extra) +
            "}");
}
