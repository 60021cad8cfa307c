using System.Text;
using System.Text.Json;

namespace SocialCrm.Streaming.Host.Generation;

/// <summary>How the customer of a mention is chosen.</summary>
public enum CustomerChoice
{
    /// <summary>A brand at random, then one of its customers at random: every customer equally active.</summary>
    UniformPerBrand,
    /// <summary>
    /// One Zipf draw over all brands' customers (<see cref="GeneratorOptions.ZipfExponent"/>): a few customers
    /// write most of the mentions. Popularity is shuffled over brands and customer numbers (seeded), so the most
    /// active customers are not the low numbers the generator makes churners.
    /// </summary>
    Zipf,
    /// <summary>Every customer of every brand once, in turn, then again: activates all customers in the fewest mentions.</summary>
    EachInTurn,
}

public sealed class GeneratorOptions
{
    public int Seed { get; set; } = 7;
    public IReadOnlyList<string> Brands { get; set; } = ["acme", "globex", "initech", "umbrella"];
    public int CustomersPerBrand { get; set; } = 2_500;
    public CustomerChoice CustomerChoice { get; set; } = CustomerChoice.UniformPerBrand;
    /// <summary>With <see cref="CustomerChoice.Zipf"/>: the customer of popularity rank r writes in proportion to 1 / r^exponent.</summary>
    public double ZipfExponent { get; set; } = 1.0;
    /// <summary>Share of mentions whose author is not (yet) a known customer.</summary>
    public double ProspectShare { get; set; } = 0.25;
    /// <summary>Share of payloads deliberately broken, of many kinds, to exercise the dead-letter path.</summary>
    public double MalformedShare { get; set; }
    /// <summary>Event time of the first mention; each next one is <see cref="EventInterval"/> later.</summary>
    public DateTimeOffset Start { get; set; } = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    /// <summary>Ten mentions per event-time second: 600 a minute, enough per-minute volume for the brand baselines.</summary>
    public TimeSpan EventInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    /// <summary>
    /// From this mention on, the first brand has a crisis: an influencer's angry post and a burst of
    /// negative mentions. The default leaves 20 event-time minutes of calm first, so the brand baselines exist.
    /// </summary>
    public long? CrisisAt { get; set; } = 12_000;
    public int CrisisLength { get; set; } = 1_500;
    /// <summary>Share of customers who complain repeatedly and then announce they are leaving.</summary>
    public double ChurnerShare { get; set; } = 0.02;
}

/// <summary>
/// One generated record: Kafka key and value, the entity id of a valid mention, and for a broken one the
/// reject reason (wire name) it was broken to provoke.
/// </summary>
public sealed record GeneratedRecord(string? Key, byte[] Value, bool IsValid, string? EntityId, string? ExpectedRejection = null)
{
    public static GeneratedRecord Broken(string? key, byte[] value, string expectedRejection) => new(key, value, false, null, expectedRejection);
}

/// <summary>
/// Synthetic social mentions for demos, load and tests: several brands, thousands of customers,
/// ordinary chatter, a scripted crisis and churners. Deterministic for a given seed.
/// </summary>
public sealed class MentionGenerator(GeneratorOptions options)
{
    private static readonly string[] Platforms = ["x", "facebook", "instagram", "reddit", "review", "tiktok", "youtube", "forum"];
    private static readonly string[] Products = ["app", "router", "subscription", "delivery", "support line", "billing", "update", "store"];
    private static readonly string[] Competitors = ["Contoso", "Fabrikam", "Northwind"];

    private static readonly string[] Praise =
    [
        "Loving the new {p} from {b}, works great!",
        "Huge thanks to the {b} team, the {p} is excellent :)",
        "{b} support sorted my issue in five minutes. Impressed!",
        "Honestly the best {p} I have used. Recommend {b} to everyone.",
    ];
    private static readonly string[] Neutral =
    [
        "Does anyone know if the {b} {p} works abroad?",
        "Trying out the {b} {p} today.",
        "How do I change the settings of my {b} {p}?",
        "Saw an ad for {b} on the train this morning.",
        "Is the {b} {p} available in blue?",
    ];
    private static readonly string[] Complaints =
    [
        "Third time this week the {b} {p} is down. Not happy.",
        "{b} charged me twice and nobody answers. Terrible service.",
        "The {b} {p} keeps crashing, this is so frustrating!!",
        "Still waiting on {b} to fix my {p}. Awful experience.",
    ];
    private static readonly string[] Leaving =
    [
        "Done with {b}. I am cancelling my {p} today.",
        "Switching to {c} next month, {b} just does not care.",
        "Please close my account {b}, I want to cancel.",
    ];
    private static readonly string[] Buying =
    [
        "Where can I buy the {b} {p}? Looks great",
        "Want to buy a {b} {p}, how much is it?",
    ];
    private static readonly string[] CrisisTexts =
    [
        "{b} leaked my data?! This is a disgrace, absolutely furious.",
        "Boycott {b}. Worst company ever, they lied about the outage.",
        "The {b} outage ruined my day. Horrible, disgusting service!",
    ];

    private readonly Random _random = new(options.Seed);
    private readonly ZipfDistribution? _zipf = options.CustomerChoice == CustomerChoice.Zipf
        ? new ZipfDistribution(options.Brands.Count * options.CustomersPerBrand, options.ZipfExponent)
        : null;
    private readonly int[]? _customerOfRank = options.CustomerChoice == CustomerChoice.Zipf
        ? ShuffledCustomers(options.Brands.Count * options.CustomersPerBrand, options.Seed)
        : null;
    private long _index;

    public IEnumerable<GeneratedRecord> Generate(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return Next();
        }
    }

    public GeneratedRecord Next()
    {
        var index = _index++;
        if (options.MalformedShare > 0 && _random.NextDouble() < options.MalformedShare)
        {
            return Malformed(index);
        }
        return Valid(index, options.Start + options.EventInterval * index);
    }

    /// <summary>A valid mention with its event time set by the caller (live demos use the wall clock).</summary>
    public GeneratedRecord Next(DateTimeOffset eventTime)
    {
        var index = _index++;
        return options.MalformedShare > 0 && _random.NextDouble() < options.MalformedShare ? Malformed(index) : Valid(index, eventTime);
    }

    /// <summary>The next record, deliberately broken (for tests that need an exact number of bad payloads).</summary>
    public GeneratedRecord NextMalformed() => Malformed(_index++);

    private GeneratedRecord Valid(long index, DateTimeOffset eventTime)
    {
        var inCrisis = options.CrisisAt is { } crisisAt && index >= crisisAt && index < crisisAt + options.CrisisLength;
        var influencer = inCrisis && index == options.CrisisAt;
        var crisisBrand = influencer || (inCrisis && _random.NextDouble() < 0.6);
        var (brand, customer) = PickCustomer(index, crisisBrand);
        var isProspect = _random.NextDouble() < options.ProspectShare;
        var platform = Platforms[_random.Next(Platforms.Length)];
        var isChurner = !isProspect && customer < options.CustomersPerBrand * options.ChurnerShare;

        string template;
        if (influencer || (inCrisis && brand == options.Brands[0] && _random.NextDouble() < 0.7))
        {
            template = Pick(CrisisTexts);
        }
        else if (isChurner)
        {
            template = _random.NextDouble() < 0.25 ? Pick(Leaving) : Pick(Complaints);
        }
        else if (isProspect)
        {
            // Prospects mostly ask and look around; a few want to buy or are already fans.
            var roll = _random.NextDouble();
            template = roll < 0.05 ? Pick(Buying) : roll < 0.12 ? Pick(Praise) : roll < 0.9 ? Pick(Neutral) : Pick(Complaints);
        }
        else
        {
            var roll = _random.NextDouble();
            template = roll < 0.35 ? Pick(Praise) : roll < 0.85 ? Pick(Neutral) : Pick(Complaints);
        }
        var text = template.Replace("{b}", Capitalize(brand)).Replace("{p}", Pick(Products)).Replace("{c}", Pick(Competitors));
        var authorId = isProspect ? $"u{_random.Next(1_000_000)}" : $"a{brand}{customer}";
        var followers = influencer ? 1_200_000 : (long)Math.Pow(10, _random.NextDouble() * 4);
        var customerId = isProspect ? null : $"c{customer:D6}";
        var entityId = customerId is null ? $"{brand}:{platform}:{authorId}" : $"{brand}:{customerId}";

        using var buffer = new MemoryStream(384);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", $"m{options.Seed}-{index}");
            json.WriteString("platform", platform);
            json.WriteString("brand", brand);
            if (customerId is not null)
            {
                json.WriteString("customerId", customerId);
            }
            json.WriteStartObject("author");
            json.WriteString("id", authorId);
            json.WriteString("handle", influencer ? "@thetechcritic" : $"@{authorId}");
            json.WriteNumber("followers", followers);
            json.WriteBoolean("verified", influencer);
            json.WriteEndObject();
            json.WriteString("text", text);
            json.WriteString("lang", "en");
            json.WriteString("createdAt", eventTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("kind", platform == "review" ? "review" : "post");
            if (platform == "review")
            {
                json.WriteNumber("rating", Array.IndexOf(Praise, template) >= 0 ? 5 : 2);
            }
            json.WriteStartObject("metrics");
            json.WriteNumber("likes", _random.Next(50));
            json.WriteNumber("shares", influencer ? 4_000 : _random.Next(5));
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new GeneratedRecord(entityId, buffer.ToArray(), true, entityId);
    }

    /// <summary>Broken payloads of the kinds real feeds produce; each must end in the dead-letter topic.</summary>
    private GeneratedRecord Malformed(long index)
    {
        var valid = Valid(index, options.Start + options.EventInterval * index);
        var text = Encoding.UTF8.GetString(valid.Value);
        (byte[] value, string reason) = (index % 8) switch
        {
            0 => (Encoding.UTF8.GetBytes(text[..(text.Length / 2)]), "invalid-json"),
            1 => (Encoding.UTF8.GetBytes(text.Replace("\"createdAt\"", "\"created\"")), "missing-field"),
            2 => ([.. valid.Value.Take(20), 0xC3, 0x28, .. valid.Value.Skip(20)], "invalid-utf8"),
            3 => (Encoding.UTF8.GetBytes(text.Replace("\"brand\":\"", "\"brand\":\"Bad Brand ")), "invalid-field"),
            4 => (Encoding.UTF8.GetBytes("[" + text + "]"), "not-an-object"),
            5 => (Encoding.UTF8.GetBytes("{\"id\":\"x\",\"nested\":" + new string('[', 64) + new string(']', 64) + "}"), "too-deep"),
            6 => (Encoding.UTF8.GetBytes(text.Replace("\"followers\":", "\"followers\":\"many\",\"x\":")), "invalid-field"),
            _ => (Encoding.UTF8.GetBytes("not json at all " + index), "invalid-json"),
        };
        return GeneratedRecord.Broken(valid.Key, value, reason);
    }

    private (string Brand, int Customer) PickCustomer(long index, bool crisisBrand)
    {
        if (options.CustomerChoice == CustomerChoice.UniformPerBrand)
        {
            var brand = crisisBrand ? options.Brands[0] : options.Brands[_random.Next(options.Brands.Count)];
            return (brand, _random.Next(options.CustomersPerBrand));
        }
        // One number over all brands' customers: brand = number mod brands, customer = number / brands.
        var all = options.Brands.Count * options.CustomersPerBrand;
        var number = _zipf is not null ? _customerOfRank![_zipf.Sample(_random)] : (int)(index % all);
        return (crisisBrand ? options.Brands[0] : options.Brands[number % options.Brands.Count], number / options.Brands.Count);
    }

    private static int[] ShuffledCustomers(int count, int seed)
    {
        var numbers = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(numbers);
        return numbers;
    }

    private string Pick(string[] choices) => choices[_random.Next(choices.Length)];

    private static string Capitalize(string brand) => char.ToUpperInvariant(brand[0]) + brand[1..];
}
