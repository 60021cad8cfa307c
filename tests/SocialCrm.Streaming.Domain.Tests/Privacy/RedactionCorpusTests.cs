using System.Text.Json;
using SocialCrm.Streaming.Domain.Privacy;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Domain.Tests.Privacy;

/// <summary>
/// Precision and recall of <see cref="TextRedactor"/> on Data/redaction-corpus.jsonl: one text a line, the identifiers
/// it holds (value and kind) and strings that must survive. An identifier counts as found when its value is gone and
/// its kind's mask is there; a mask with no identifier under it, or a surviving string that is gone, is a false alarm.
/// </summary>
public sealed class RedactionCorpusTests(ITestOutputHelper output)
{
    private const double PrecisionFloor = 0.95;
    private const double RecallFloor = 0.95;

    private sealed record Identifier(string Value, string Kind);
    private sealed record Line(string Text, Identifier[] Pii, string[] Keep);

    private static readonly string[] Masks = [TextRedactor.Email, TextRedactor.Phone, TextRedactor.Card, TextRedactor.Iban];

    [Fact]
    public void Corpus_precision_and_recall_stay_above_their_floors()
    {
        var lines = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Data", "redaction-corpus.jsonl"))
            .Select(l => JsonSerializer.Deserialize<Line>(l, JsonSerializerOptions.Web)!)
            .ToList();
        int found = 0, missed = 0, falseAlarms = 0;
        var missedByKind = new Dictionary<string, int>();
        foreach (var line in lines)
        {
            var redacted = TextRedactor.Redact(line.Text);
            var foundHere = 0;
            foreach (var pii in line.Pii)
            {
                if (!redacted.Contains(pii.Value, StringComparison.Ordinal) && redacted.Contains(MaskOf(pii.Kind), StringComparison.Ordinal))
                {
                    foundHere++;
                }
                else
                {
                    missedByKind[pii.Kind] = missedByKind.GetValueOrDefault(pii.Kind) + 1;
                    output.WriteLine($"missed {pii.Kind}: {line.Text} -> {redacted}");
                }
            }
            var extraMasks = Math.Max(0, Masks.Sum(m => Count(redacted, m)) - foundHere);
            var lostKeeps = line.Keep.Count(k => !redacted.Contains(k, StringComparison.Ordinal));
            var alarms = Math.Max(extraMasks, lostKeeps);
            if (alarms > 0)
            {
                output.WriteLine($"false alarm x{alarms}: {line.Text} -> {redacted}");
            }
            found += foundHere;
            missed += line.Pii.Length - foundHere;
            falseAlarms += alarms;
        }
        var precision = (double)found / (found + falseAlarms);
        var recall = (double)found / (found + missed);
        output.WriteLine($"{lines.Count} texts, {found + missed} identifiers: found {found}, missed {missed}, false alarms {falseAlarms}; "
            + $"precision {precision:0.000}, recall {recall:0.000}");
        Assert.True(lines.Count >= 80 && lines.Count(l => l.Pii.Length == 0) >= 25, "the corpus needs positives and negatives");
        Assert.True(precision >= PrecisionFloor, $"precision {precision:0.000} < {PrecisionFloor}");
        Assert.True(recall >= RecallFloor, $"recall {recall:0.000} < {RecallFloor}");
    }

    [Theory]
    [InlineData("4111 1111 1111 1111", "[card]")]
    [InlineData("4111 1111 1111 1112", "4111 1111 1111 1112")]
    [InlineData("DE89 3704 0044 0532 0130 00", "[iban]")]
    [InlineData("DE89 3704 0044 0532 0130 02", "DE89 3704 0044 0532 0130 02")]
    [InlineData("DE89 3704 0044 0532 0130 00 IS mine", "[iban] IS mine")]
    public void Checksums_decide_between_masking_and_keeping(string text, string expected) =>
        Assert.Equal(expected, TextRedactor.Redact(text));

    [Fact]
    public void Text_without_identifiers_is_returned_as_is()
    {
        const string text = "Worst airline ever, 3 hours late on flight 123.";
        Assert.Same(text, TextRedactor.Redact(text));
    }

    /// <summary>
    /// Each way a text gets past the quick check that spares most texts the expressions: an at sign spelled out in
    /// capitals, ASCII digits in a text that is not ASCII, digits that are not ASCII; and six digits, which are not enough.
    /// </summary>
    [Theory]
    [InlineData("write to Jane [AT] example.com", "write to [email]")]
    [InlineData("café: call 555 123 4567 now", "café: call [phone] now")]
    [InlineData("call 555 123 4567 now", "call [phone] now")]
    [InlineData("رقمي ٠١٢٣٤٥٦٧٨٩ شكرا", "رقمي [phone] شكرا")]
    [InlineData("order 123 456 arrived, merci ç", "order 123 456 arrived, merci ç")]
    [InlineData("order 123 456 arrived", "order 123 456 arrived")]
    public void The_quick_check_lets_through_every_text_that_may_hold_an_identifier(string text, string expected) =>
        Assert.Equal(expected, TextRedactor.Redact(text));

    private static string MaskOf(string kind) => kind switch
    {
        "email" => TextRedactor.Email,
        "phone" => TextRedactor.Phone,
        "card" => TextRedactor.Card,
        "iban" => TextRedactor.Iban,
        _ => throw new InvalidDataException($"unknown identifier kind '{kind}' in the corpus"),
    };

    private static int Count(string text, string mask)
    {
        var count = 0;
        for (var at = text.IndexOf(mask, StringComparison.Ordinal); at >= 0; at = text.IndexOf(mask, at + mask.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }
}
