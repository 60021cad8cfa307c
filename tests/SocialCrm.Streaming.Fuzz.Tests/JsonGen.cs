using System.Globalization;
using System.Text;
using CsCheck;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>Generators of JSON text as the world sends it: valid, nearly valid, and hostile in the ways parsers miss.</summary>
public static class JsonGen
{
    /// <summary>Any code unit, escaped or raw, including lone surrogates, control characters and the escapes that spell them.</summary>
    public static readonly Gen<string> StringLiteral = Gen.Frequency(
            (4, Gen.Char.AlphaNumeric.Select(c => c.ToString())),
            (2, Gen.Char.Select(c => char.IsSurrogate(c) || c is '"' or '\\' || c < ' ' ? $"\\u{(int)c:x4}" : c.ToString())),
            (2, Gen.Int[0, 0xFFFF].Select(u => $"\\u{u:x4}")),
            (1, Gen.Int[0xD800, 0xDFFF].Select(u => $"\\u{u:X4}")),
            (1, Gen.OneOf(Gen.Const("\\\""), Gen.Const("\\\\"), Gen.Const("\\/"), Gen.Const("\\b"), Gen.Const("\\n"), Gen.Const("\\t"), Gen.Const("😡"), Gen.Const("\u00e9"))),
            (1, Gen.OneOf(Gen.Const("\\u"), Gen.Const("\\x41"), Gen.Const("\\ud83d\\ude21"), Gen.Const("\\uDE21\\uD83D"), Gen.Const("\u0001"))))
        .List[0, 24]
        .Select(parts => "\"" + string.Concat(parts) + "\"");

    /// <summary>Numbers at and beyond the edges of double and long, and ordinary ones.</summary>
    public static readonly Gen<string> Number = Gen.Frequency(
        (3, Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (2, Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "1e309")),
        (2, Gen.OneOf(
            Gen.Const("1e309"), Gen.Const("-1e309"), Gen.Const("-0"), Gen.Const("-0.0"), Gen.Const("0e-400"), Gen.Const("4.9e-324"),
            Gen.Const("1.7976931348623157e308"), Gen.Const("9223372036854775807"), Gen.Const("9223372036854775808"),
            Gen.Const("-9223372036854775809"), Gen.Const("123456789012345678901234567890"), Gen.Const("1E+2"), Gen.Const("0.5"),
            Gen.Const("4.99999999999999999999"), Gen.Const("1.0000000000000000001"), Gen.Const("5e-1"))),
        (1, Gen.Int[1, 400].Select(n => new string('9', n))));

    /// <summary>Timestamps: valid RFC 3339 in odd eras and offsets, leap seconds, and the near misses.</summary>
    public static readonly Gen<string> Timestamp = Gen.Select(
            Gen.Frequency((3, Gen.Int[2020, 2030]), (1, Gen.Int[0, 9999]), (1, Gen.OneOf(Gen.Const(1), Gen.Const(1970), Gen.Const(9999), Gen.Const(2200)))),
            Gen.Int[0, 13], Gen.Int[0, 32], Gen.Int[0, 24], Gen.Int[0, 60], Gen.Int[0, 61],
            Gen.OneOf(Gen.Const("Z"), Gen.Const("z"), Gen.Const(""), Gen.Const("+00:00"), Gen.Const("-00:00"), Gen.Const("+14:00"),
                Gen.Const("-14:00"), Gen.Const("+23:59"), Gen.Const("+24:00"), Gen.Const("+05:30"), Gen.Const("+0530"), Gen.Const(" UTC")),
            Gen.OneOf(Gen.Const(""), Gen.Const(".123"), Gen.Const(".9999999"), Gen.Const(".99999999999"), Gen.Const(",5")))
        .Select((y, mo, d, h, mi, s, offset, fraction) => Gen.OneOf(
            Gen.Const($"\"{y:0000}-{mo:00}-{d:00}T{h:00}:{mi:00}:{s:00}{fraction}{offset}\""),
            Gen.Const($"\"{y:0000}-{mo:00}-{d:00}\""),
            Gen.Const($"\"{y:0000}-{mo:00}-{d:00} {h:00}:{mi:00}:{s:00}{offset}\""),
            Gen.Const($"\"{y}-{mo}-{d}T{h}:{mi}Z\"")))
        .SelectMany(g => g);

    public static readonly Gen<string> Scalar = Gen.Frequency(
        (3, StringLiteral), (2, Number), (1, Timestamp),
        (1, Gen.OneOf(Gen.Const("true"), Gen.Const("false"), Gen.Const("null"))));

    /// <summary>Any JSON value, nested up to a few levels (objects with repeated keys included).</summary>
    public static readonly Gen<string> Value = Gen.Recursive<string>((depth, value) => depth >= 4
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, value.List[0, 6].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(Gen.OneOf(StringLiteral, Gen.OneOf(MentionShape.FieldNames.Select(n => Gen.Const($"\"{n}\"")).ToArray())), value)
                .List[0, 6]
                .Select(members => "{" + string.Join(",", members.Select(m => m.Item1 + ":" + m.Item2)) + "}"))));

    /// <summary>Nesting far beyond any limit, and arrays as large as a record may be.</summary>
    public static readonly Gen<string> Pathological = Gen.OneOf(
        Gen.Int[1, 5_000].Select(n => new string('[', n) + new string(']', n)),
        Gen.Int[1, 2_000].Select(n => "{\"id\":" + string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n) + "}"),
        Gen.Int[1, 60_000].Select(n => "{\"text\":\"x\",\"tags\":[" + string.Join(",", Enumerable.Repeat("1", n)) + "]}"),
        Gen.Int[1, 20_000].Select(n => "{" + string.Join(",", Enumerable.Range(0, n).Select(i => $"\"k{i}\":{i}")) + "}"));

    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);
}
