using System.Globalization;
using System.Text.Json;
using SocialCrm.Streaming.Domain.Detection;

namespace SocialCrm.Streaming.Host.Evaluation;

/// <summary>
/// Writes the shipped evaluation scenarios: calm traffic at 5, 30, 300 and 5,000 mentions a minute per brand, bursts
/// of several shapes, slow-building crises, influencer posts, a churning customer and a prospect. Mention texts are
/// sentences of a labelled corpus (one "sentence TAB label" a line, label 0 negative, 1 positive: the openly licensed
/// tests/SocialCrm.Streaming.Domain.Tests/Data/amazon_cells_labelled.txt) addressed to the brand; calm traffic draws
/// any sentence, crisis traffic the negative ones. Arrivals are Poisson per brand and minute. Deterministic for a seed.
/// </summary>
public sealed class ScenarioGenerator
{
    /// <summary>Where every scenario's event time begins.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Platforms = ["x", "facebook", "instagram", "reddit", "forum"];
    private static readonly string[] Crisis = ["volume-spike", "sentiment-shift", "influencer-negative", "viral-negative"];
    private static readonly string[] BrandLevel = ["volume-spike", "sentiment-shift"];
    private static readonly TimeSpan BurstDelay = TimeSpan.FromMinutes(2);

    private readonly string[] _all;
    private readonly string[] _negative;

    public ScenarioGenerator(IEnumerable<string> corpusLines)
    {
        var sentences = corpusLines.Select(l => l.Split('\t')).Where(p => p.Length == 2 && p[0].Trim().Length > 0 && p[1].Trim() is "0" or "1").ToList();
        _all = [.. sentences.Select(p => p[0].Trim())];
        _negative = [.. sentences.Where(p => p[1].Trim() == "0").Select(p => p[0].Trim())];
        if (_negative.Length == 0 || _negative.Length == _all.Length)
        {
            throw new FormatException("the corpus needs sentences labelled 0 (negative) and 1 (positive), one \"sentence TAB label\" a line");
        }
    }

    /// <summary>Writes every scenario for each seed into <paramref name="directory"/>; returns the files written.</summary>
    public List<string> WriteAll(string directory, IReadOnlyList<int> seeds)
    {
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        foreach (var seed in seeds)
        {
            foreach (var (rate, brands, hours) in new[] { (5, 30, 8.0), (30, 8, 5.0), (300, 3, 2.0), (5_000, 1, 0.5) })
            {
                files.Add(Write(directory, new Plan($"calm-{rate}-s{seed}", $"Calm traffic, {rate} mentions a minute per brand, {brands} brands, {hours} h", seed, rate, brands,
                    TimeSpan.FromHours(hours), Crisis)));
            }
            foreach (var rate in new[] { 5, 30, 300, 5_000 })
            {
                files.Add(Write(directory, Burst($"burst-step-{rate}-s{seed}", "10 minutes of negative mentions at twice the calm rate", seed, rate, [(40, 10, 1.0)])));
            }
            foreach (var rate in new[] { 5, 30, 300 })
            {
                files.Add(Write(directory, Burst($"burst-spike-{rate}-s{seed}", "2 minutes of negative mentions at 6 times the calm rate", seed, rate, [(40, 2, 3.0)])));
            }
            files.Add(Write(directory, Burst($"burst-double-30-s{seed}", "two 5-minute bursts 45 minutes apart (the second after the cool-down)", seed, 30, [(40, 5, 1.0), (85, 5, 1.0)])));
            foreach (var rate in new[] { 30, 300 })
            {
                files.Add(Write(directory, SlowCrisis(seed, rate)));
            }
            files.Add(Write(directory, Influencers(seed)));
            files.Add(Write(directory, Churn(seed)));
            files.Add(Write(directory, Prospect(seed)));
        }
        return files;
    }

    /// <summary>
    /// Bursts at (start minute, minutes, intensity): negative mentions on top of calm traffic at intensity x 2 x the
    /// calm rate (at least 80 a minute), starting 25 s into the minute. Each must be caught within 2 minutes.
    /// </summary>
    private static Plan Burst(string name, string description, int seed, int rate, (int Start, int Minutes, double Intensity)[] bursts)
    {
        var warmUp = rate >= 5_000 ? 20 : 0;
        var plan = new Plan(name, description + $", {rate} calm mentions a minute", seed, rate, 1, TimeSpan.FromMinutes(bursts.Max(b => b.Start + b.Minutes) + 10 - warmUp), Crisis);
        foreach (var (start, minutes, intensity) in bursts)
        {
            var from = Epoch.AddMinutes(start - warmUp).AddSeconds(25);
            var extra = Math.Max(80, 2.0 * rate) * intensity;
            plan.Extra.Add(new ExtraTraffic(from, from.AddMinutes(minutes), extra));
            plan.Incidents.Add(new ExpectedIncident($"{name}-{start}", plan.Brands[0], null, BrandLevel, from, from.AddMinutes(minutes), BurstDelay));
        }
        return plan;
    }

    /// <summary>The negative share climbs over 12 minutes (calm mentions replaced by negative ones, volume unchanged), then stays 10 minutes; found within 20.</summary>
    private static Plan SlowCrisis(int seed, int rate)
    {
        var name = $"slow-crisis-{rate}-s{seed}";
        var plan = new Plan(name, $"A crisis building over 12 minutes at an unchanged {rate} mentions a minute", seed, rate, 1, TimeSpan.FromMinutes(70), Crisis);
        var from = Epoch.AddMinutes(40);
        plan.Turning = (from, TimeSpan.FromMinutes(12), 1.0);
        plan.Incidents.Add(new ExpectedIncident(name, plan.Brands[0], null, BrandLevel, from, from.AddMinutes(22), TimeSpan.FromMinutes(20)));
        return plan;
    }

    private static Plan Influencers(int seed)
    {
        var name = $"influencer-30-s{seed}";
        var plan = new Plan(name, "An influencer's angry post (an incident) and another's praise (none), in calm traffic", seed, 30, 2, TimeSpan.FromMinutes(90), Crisis);
        var angry = Epoch.AddMinutes(40).AddSeconds(10);
        plan.Posts.Add(new Post(angry, plan.Brands[0], "critic", null, 1_200_000, true, "{B} is the worst, the update bricked my phone and support laughed at me. Disgusting, avoid them!"));
        plan.Posts.Add(new Post(Epoch.AddMinutes(70), plan.Brands[1], "fan", null, 800_000, true, "Really love the new {B} phone, great battery and a beautiful screen."));
        plan.Incidents.Add(new ExpectedIncident($"{name}-angry", plan.Brands[0], $"{plan.Brands[0]}:x:critic", ["influencer-negative"], angry, angry.AddMinutes(1), BurstDelay));
        return plan;
    }

    /// <summary>A customer who complains three times, then cancels (retention), beside one whose only post is ambiguous (none).</summary>
    private static Plan Churn(int seed)
    {
        var name = $"churn-30-s{seed}";
        var plan = new Plan(name, "A customer complaining repeatedly, then cancelling; another's single ambiguous post", seed, 30, 1, TimeSpan.FromMinutes(80),
            [.. Crisis, "retention"]);
        var brand = plan.Brands[0];
        string[] texts =
        [
            "{B} my phone has been dead for three days and support keeps hanging up. Terrible service.",
            "{B} still no fix, a second week without service. This is unacceptable.",
            "{B} worst support ever, nobody answers and nobody cares.",
            "{B} that's it, I am going to cancel my contract today.",
        ];
        for (var i = 0; i < texts.Length; i++)
        {
            plan.Posts.Add(new Post(Epoch.AddMinutes(20 + 10 * i), brand, "churner", "churner", 300, false, texts[i]));
        }
        plan.Posts.Add(new Post(Epoch.AddMinutes(35), brand, "loyal", "loyal", 300, false, "{B} I will cancel my old plan and upgrade to the premium one, great value"));
        plan.Known.AddRange([$"{brand}:churner", $"{brand}:loyal"]);
        plan.Incidents.Add(new ExpectedIncident($"{name}-churner", brand, $"{brand}:churner", ["retention"], Epoch.AddMinutes(20), Epoch.AddMinutes(60), TimeSpan.FromMinutes(40)));
        return plan;
    }

    private static Plan Prospect(int seed)
    {
        var name = $"prospect-30-s{seed}";
        var plan = new Plan(name, "A new author asking where to buy, in calm traffic by known customers", seed, 30, 1, TimeSpan.FromMinutes(60), [.. Crisis, "acquisition"])
        {
            CustomersPerBrand = 300,
        };
        var brand = plan.Brands[0];
        plan.Known.AddRange(Enumerable.Range(0, plan.CustomersPerBrand).Select(c => $"{brand}:{CustomerId(c)}"));
        var at = Epoch.AddMinutes(30).AddSeconds(5);
        plan.Posts.Add(new Post(at, brand, "newcomer", null, 2_000, false, "Where can I buy the {B} X2 phone? It looks great"));
        plan.Incidents.Add(new ExpectedIncident($"{name}-newcomer", brand, $"{brand}:x:newcomer", ["acquisition"], at, at.AddMinutes(1), BurstDelay));
        return plan;
    }

    private string Write(string directory, Plan plan)
    {
        var path = Path.Combine(directory, plan.Name + ".jsonl");
        var random = new Random(plan.Seed * 7919 + StableHash(plan.Name));
        using var file = new BufferedStream(File.Create(path), 1 << 16);
        using var json = new Utf8JsonWriter(file);
        var profiles = plan.Known.Select(entity => $"{{\"key\":\"{entity}\",\"value\":{{\"valueTier\":\"silver\",\"clv\":800,\"consent\":{{\"processing\":true}}}}}}").ToList();
        new ScenarioHeader(plan.Name, plan.Description, plan.Brands, Epoch, Epoch + plan.Length, plan.Scored, plan.Incidents, profiles).Write(json);
        json.Flush();
        file.WriteByte((byte)'\n');
        json.Reset(file);
        var minute = new List<(DateTimeOffset At, Action<Utf8JsonWriter, DateTimeOffset> Write)>();
        for (var start = Epoch; start < Epoch + plan.Length; start = start.AddMinutes(1))
        {
            minute.Clear();
            foreach (var brand in plan.Brands)
            {
                var calm = PoissonDraw.Next(random, plan.Rate);
                for (var i = 0; i < calm; i++)
                {
                    var at = start.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerMinute));
                    var text = plan.Turning is var (from, over, share) && at >= from && random.NextDouble() < share * Math.Min(1, (at - from) / over)
                        ? Pick(random, _negative) : Pick(random, _all);
                    minute.Add((at, Calm(random, plan, brand, text)));
                }
            }
            foreach (var extra in plan.Extra)
            {
                var count = PoissonDraw.Next(random, extra.PerMinute);
                for (var i = 0; i < count; i++)
                {
                    var at = start.AddTicks((long)(random.NextDouble() * TimeSpan.TicksPerMinute));
                    if (at >= extra.From && at < extra.To)
                    {
                        minute.Add((at, Calm(random, plan, plan.Brands[0], Pick(random, _negative))));
                    }
                }
            }
            foreach (var post in plan.Posts.Where(p => p.At >= start && p.At < start.AddMinutes(1)))
            {
                minute.Add((post.At, (w, at) => Mention(w, $"{plan.Name}-{post.AuthorId}-{at.UtcTicks}", Platforms[0], post.Brand, post.CustomerId, post.AuthorId,
                    post.Followers, post.Verified, post.Text.Replace("{B}", "@" + Display(post.Brand), StringComparison.Ordinal), at, 0)));
            }
            foreach (var (at, write) in minute.OrderBy(m => m.At))
            {
                write(json, at);
                json.Flush();
                file.WriteByte((byte)'\n');
                json.Reset(file);
            }
        }
        return path;
    }

    /// <summary>An ordinary mention by one of the brand's customers (decided now, so the random sequence does not depend on the sort).</summary>
    private static Action<Utf8JsonWriter, DateTimeOffset> Calm(Random random, Plan plan, string brand, string sentence)
    {
        var customer = random.Next(plan.CustomersPerBrand);
        var platform = Platforms[random.Next(Platforms.Length)];
        var followers = (long)Math.Pow(10, random.NextDouble() * 4);
        var shares = random.Next(5);
        var id = $"{plan.Name}-{random.NextInt64():x16}";
        var text = "@" + Display(brand) + " " + sentence;
        return (w, at) => Mention(w, id, platform, brand, CustomerId(customer), $"a{brand}{customer}", followers, false, text, at, shares);
    }

    private static void Mention(Utf8JsonWriter w, string id, string platform, string brand, string? customerId, string authorId, long followers,
        bool verified, string text, DateTimeOffset at, int shares)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("platform", platform);
        w.WriteString("brand", brand);
        if (customerId is not null) w.WriteString("customerId", customerId);
        w.WriteStartObject("author");
        w.WriteString("id", authorId);
        w.WriteString("handle", "@" + authorId);
        w.WriteNumber("followers", followers);
        w.WriteBoolean("verified", verified);
        w.WriteEndObject();
        w.WriteString("text", text);
        w.WriteString("lang", "en");
        w.WriteString("createdAt", at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        w.WriteString("kind", "post");
        w.WriteStartObject("metrics");
        w.WriteNumber("shares", shares);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static string CustomerId(int customer) => $"c{customer:D5}";

    private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];

    private static string Display(string brand) => char.ToUpperInvariant(brand[0]) + brand[1..];

    /// <summary>A hash that is the same in every process (string.GetHashCode is randomised per process).</summary>
    private static int StableHash(string text) => text.Aggregate(17, (h, c) => unchecked(h * 31 + c));

    private sealed record ExtraTraffic(DateTimeOffset From, DateTimeOffset To, double PerMinute);

    private sealed record Post(DateTimeOffset At, string Brand, string AuthorId, string? CustomerId, long Followers, bool Verified, string Text);

    private sealed class Plan(string name, string description, int seed, double rate, int brands, TimeSpan length, IReadOnlyList<string> scored)
    {
        public string Name { get; } = name;
        public string Description { get; } = description;
        public int Seed { get; } = seed;
        public double Rate { get; } = rate;
        public List<string> Brands { get; } = [.. Enumerable.Range(1, brands).Select(i => brands == 1 ? "acme" : $"brand{i:D2}")];
        public TimeSpan Length { get; } = length;
        /// <summary>Calm traffic comes from this many customers of each brand.</summary>
        public int CustomersPerBrand { get; set; } = 20_000;
        /// <summary>Entities with a customer profile before the first mention (only known customers get retention triggers).</summary>
        public List<string> Known { get; } = [];
        public IReadOnlyList<string> Scored { get; } = scored;
        public List<ExpectedIncident> Incidents { get; } = [];
        public List<ExtraTraffic> Extra { get; } = [];
        public List<Post> Posts { get; } = [];
        /// <summary>From a time, over a span, up to a share of calm mentions turn negative.</summary>
        public (DateTimeOffset From, TimeSpan Over, double Share)? Turning { get; set; }
    }
}
