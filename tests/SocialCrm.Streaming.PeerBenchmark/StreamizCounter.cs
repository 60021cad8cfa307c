using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Testing;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace SocialCrm.Streaming.PeerBenchmark;

/// <summary>
/// The peer: Streamiz.Kafka.Net (the .NET port of Kafka Streams) parsing each mention with the product's own parser and
/// counting mentions per record key in a RocksDB store with its changelog topic, at-least-once, as its defaults have it.
/// </summary>
public static class StreamizCounter
{
    public const string StoreName = "mention-counts";

    public static async Task<(PeerFigure Figure, long Counted, long ChangelogRecords)> RunAsync(MockKafkaFixture kafka, string topic, int partitions, TimeSpan timeout)
    {
        var applicationId = MockKafkaFixture.UniqueGroup("streamiz");
        // The mock cluster names no controller, so Streamiz's admin client cannot create its changelog topic:
        // it is made beforehand under the name Streamiz gives it, co-partitioned with the source as it requires.
        var changelog = kafka.CreateTopic($"{applicationId}-{StoreName}-changelog", partitions);
        var stateDirectory = Directory.CreateTempSubdirectory("socialcrm-peer-streamiz-");
        // Its warnings and errors only: its informational lines would bury the figures.
        using var logger = LoggerFactory.Create(logging => logging.AddFilter(level => level >= LogLevel.Warning).AddConsole());
        var config = new StreamConfig<StringSerDes, ByteArraySerDes>
        {
            ApplicationId = applicationId,
            BootstrapServers = kafka.BootstrapServers,
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            StateDir = stateDirectory.FullName,
            CommitIntervalMs = 100,
            Logger = logger,
        };
        var builder = new StreamBuilder();
        builder.Stream<string, byte[]>(topic)
            .Filter((_, value, _) => MentionParser.Parse(value).Mention is not null)
            .GroupByKey()
            .Count(RocksDb.As<string, long>(StoreName).WithKeySerdes(new StringSerDes()).WithValueSerdes(new Int64SerDes()));
        var stream = new KafkaStream(builder.Build(), config);
        Exception? failure = null;
        stream.StateChanged += (_, now) =>
        {
            if (now == KafkaStream.State.ERROR)
            {
                failure ??= new InvalidOperationException("the Streamiz application went to ERROR");
            }
        };
        try
        {
            await stream.StartAsync().ConfigureAwait(false);
            var figure = await CommitWatch.MeasureAsync("Streamiz.Kafka.Net", kafka, applicationId, topic, partitions, timeout, () => failure?.Message).ConfigureAwait(false);
            var store = stream.Store(StoreQueryParameters.FromNameAndType(StoreName, QueryableStoreTypes.KeyValueStore<string, long>()));
            var counted = store.All().Sum(count => count.Value);
            return (figure, counted, kafka.GetHighWatermarks(changelog, partitions).Values.Sum());
        }
        finally
        {
            stream.Dispose();
            stateDirectory.Delete(recursive: true);
        }
    }
}
