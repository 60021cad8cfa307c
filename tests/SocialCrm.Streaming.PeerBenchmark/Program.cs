using System.Globalization;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Kafka.Topology;
using SocialCrm.Streaming.PeerBenchmark;
using SocialCrm.Streaming.Testing;

// Side by side on one librdkafka mock cluster and the same generated mentions: Streamiz.Kafka.Net parsing and counting
// per key (RocksDB and its changelog) against `socialcrm run` doing the whole job into redis-server.
// Usage: dotnet run -c Release --project tests/SocialCrm.Streaming.PeerBenchmark -- [mentions, default 100000] [customers, default 10000]
var mentions = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
var customers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
var timeout = TimeSpan.FromMinutes(10);

using var kafka = MockKafkaFixture.WithBrokers(3);
var catalog = TopicCatalog.LoadDefault();
foreach (var spec in catalog.Topics)
{
    kafka.CreateTopic(spec.Name, spec.Partitions);
}
var topic = catalog.Mentions.Name;
var partitions = catalog.Mentions.Partitions;
var options = new GeneratorOptions();
options.CustomersPerBrand = Math.Max(1, customers / options.Brands.Count);
Console.WriteLine($"Producing {mentions:N0} generated mentions ({options.CustomersPerBrand * options.Brands.Count:N0} customers, {partitions} partitions) to {topic}...");
var records = new MentionGenerator(options).Generate(mentions).ToList();
var valid = records.Count(r => r.IsValid);
kafka.Produce(topic, records.Select(r => (r.Key, r.Value)));

Console.WriteLine("Streamiz.Kafka.Net: parse + count per key (RocksDB store, changelog)...");
var (peer, peerCounted, changelogRecords) = await StreamizCounter.RunAsync(kafka, topic, partitions, timeout);
Console.WriteLine($"  its changelog holds {changelogRecords:N0} records");
Console.WriteLine("socialcrm run: the whole pipeline into redis-server...");
var (product, productCounted) = await SocialCrmRun.RunAsync(kafka, topic, partitions, timeout);

foreach (var (figure, counted) in new[] { (peer, peerCounted), (product, productCounted) })
{
    Console.WriteLine($"  {figure.Name,-20} {figure.PerSecond,10:N0} mentions/s ({figure.Records:N0} committed in {figure.Seconds:F2} s; counted {counted:N0} of {valid:N0})");
    if (counted != valid)
    {
        Console.Error.WriteLine($"{figure.Name} counted {counted:N0} mentions, not {valid:N0}: the comparison is void");
        return 1;
    }
}
Console.WriteLine($"socialcrm run / Streamiz throughput ratio: {product.PerSecond / peer.PerSecond:F2}");
return 0;
