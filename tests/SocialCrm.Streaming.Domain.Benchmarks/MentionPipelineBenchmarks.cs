using System.Text;
using BenchmarkDotNet.Attributes;
using SocialCrm.Streaming.Domain.Alerts;
using SocialCrm.Streaming.Domain.Engagement;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Rules;

namespace SocialCrm.Streaming.Domain.Benchmarks;

/// <summary>
/// The per-mention cost of the domain: parse (UTF-8 JSON -> Mention), analyse (sentiment + intents +
/// language) and apply to the customer's state (engagement, risk, detectors). One operation = one mention;
/// states rotate over 1,024 customers and positions increase so the watermark never skips.
/// </summary>
[MemoryDiagnoser]
public class MentionPipelineBenchmarks
{
    private const int Customers = 1024;
    private readonly List<DomainSignal> _output = new(16);
    private EngagementEngine _engine = null!;
    private CustomerState[] _states = null!;
    private byte[] _payload = null!;
    private Mention _mention = null!;
    private long _offset;

    /// <summary>A typical ~350-byte mention: a complaint with a question, mixed case, an emoji.</summary>
    public const string Payload = """
        {"id":"1790012345678901234","platform":"x","brand":"acme-air","customerId":"C-004217",
         "author":{"id":"u-88123","handle":"@frequentflyer","followers":4821,"verified":false},
         "text":"@acmeair my bag still hasn't arrived after 3 days, this is really frustrating. Can you help? 😡",
         "lang":"en","createdAt":"2026-11-23T10:15:00Z","kind":"post",
         "metrics":{"likes":12,"shares":3,"replies":1,"views":1200}}
        """;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new EngagementEngine(new RulesOptions { Competitors = ["globex"] });
        _states = new CustomerState[Customers];
        for (var i = 0; i < Customers; i++)
        {
            _states[i] = CustomerState.New(EntityId.ForCustomer("acme-air", $"C-{i:D6}"));
        }
        _payload = Encoding.UTF8.GetBytes(Payload);
        _mention = MentionParser.Parse(_payload).Mention ?? throw new InvalidOperationException("benchmark payload is not a valid mention");
    }

    [Benchmark(Baseline = true, Description = "parse")]
    public Mention? Parse() => MentionParser.Parse(_payload).Mention;

    [Benchmark(Description = "analyze")]
    public object Analyze() => _engine.Analyze(_mention);

    [Benchmark(Description = "analyze + state update")]
    public bool AnalyzeAndApply()
    {
        var offset = _offset++;
        _output.Clear();
        return _engine.Apply(_states[offset % Customers], _mention, new SourcePosition(0, offset), _output);
    }

    [Benchmark(Description = "parse + analyze + state update")]
    public bool ParseAnalyzeApply()
    {
        var mention = MentionParser.Parse(_payload).Mention!;
        var offset = _offset++;
        _output.Clear();
        return _engine.Apply(_states[offset % Customers], mention, new SourcePosition(0, offset), _output);
    }
}
