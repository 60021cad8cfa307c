using System.Threading;
using CsCheck;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Fuzz.Tests;

/// <summary>
/// Properties over the parsers and the domain record path (see <see cref="FuzzBudget"/> for the long run).
/// Invariant: a mention (or profile) or a rejection, never an exception; an accepted mention goes the whole
/// record path without an exception and round-trips through the wire format.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    private void Check<T>(Gen<T> gen, Action<T> property, Func<T, string> print)
    {
        long tried = 0;
        gen.Sample(input =>
            {
                Interlocked.Increment(ref tried);
                property(input);
            },
            writeLine: output.WriteLine, seed: FuzzBudget.Seed, time: FuzzBudget.Seconds, threads: 1, print: print);
        output.WriteLine($"inputs tried: {tried}");
        Assert.True(tried > 0);
    }

    private static string Show(string json) => json.Length > 2_000 ? json[..2_000] + $"... ({json.Length} chars)" : json;

    private static string Show(byte[] bytes) => Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 1_000)));

    [Fact]
    public void Mention_parser_survives_arbitrary_bytes() =>
        Check(Gen.Frequency((3, Gen.Byte.Array[0, 512]), (1, MentionShape.Mutated.Select(JsonGen.Utf8).SelectMany(b => Gen.Int[0, b.Length].Select(cut => b[..cut])))),
            bytes => RecordPath.Parse(bytes), Show);

    [Fact]
    public void Mention_parser_survives_arbitrary_json() =>
        Check(Gen.Frequency((3, JsonGen.Value), (1, JsonGen.Pathological)), json => RecordPath.Parse(JsonGen.Utf8(json)), Show);

    [Fact]
    public void Mention_parser_survives_mutated_mentions() =>
        Check(MentionShape.Mutated, json => RecordPath.Parse(JsonGen.Utf8(json)), Show);

    [Fact]
    public void Profile_parser_survives_arbitrary_bytes_and_json() =>
        Check(Gen.Frequency((2, MentionShape.Profile), (1, JsonGen.Value), (1, JsonGen.Pathological), (1, Gen.Byte.Array[0, 256].Select(b => System.Text.Encoding.Latin1.GetString(b)))),
            json => RecordPath.ParseProfileLine(JsonGen.Utf8(json)), Show);

    [Fact]
    public void Accepted_records_go_the_whole_domain_path_and_round_trip() =>
        Check(Gen.Select(MentionShape.Profile.List[0, 4], MentionShape.Mutated.List[1, 24]),
            input => RecordPath.Run(input.Item1.Select(JsonGen.Utf8), input.Item2.Select(JsonGen.Utf8)),
            input => string.Join("\n", input.Item1.Concat(input.Item2).Select(Show)));
}
