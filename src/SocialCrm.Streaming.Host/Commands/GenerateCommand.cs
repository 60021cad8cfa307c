using System.CommandLine;
using SocialCrm.Streaming.Host.Generation;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary><c>socialcrm generate</c>: synthetic mentions into a Kafka topic at a given rate, or as JSON Lines into a file or onto standard output.</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var kafka = new Option<string?>("--kafka") { Description = "Kafka bootstrap servers to produce to (paced by --rate)" };
        var topic = new Option<string?>("--topic") { Description = "Topic (default: the mentions topic of topology/topics.json)" };
        var file = CommandRunner.OutputFileOption("--output", "Write JSON Lines to this file (needs --count)", "-o");
        var rate = new Option<double>("--rate") { Description = "Mentions per second to Kafka (0 = as fast as possible); files and standard output are written as fast as possible", DefaultValueFactory = _ => 1_000 };
        var count = new Option<long?>("--count") { Description = "How many (default: until Ctrl+C; required with --output)" };
        var customers = new Option<int>("--customers") { Description = "Customers per brand", DefaultValueFactory = _ => 2_500 };
        var malformed = new Option<double>("--malformed") { Description = "Share of deliberately broken payloads (0..1)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same mentions)", DefaultValueFactory = _ => 7 };
        var settings = CommandRunner.ExistingFileOption("--config", "An appsettings.json whose Kafka:Properties (security.protocol, sasl.*, ssl.*) the producer uses, instead of the one beside the executable");
        var command = new Command("generate", "Generate synthetic mentions (several brands, a scripted crisis, churners) into Kafka, a file, or standard output")
        {
            kafka, topic, file, rate, count, customers, malformed, seed, settings,
        };
        CommandRunner.Require(rate, value => value >= 0, "--rate must be a number >= 0");
        customers.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) r.AddError("--customers must be >= 1"); });
        CommandRunner.Require(malformed, value => value is >= 0 and <= 1, "--malformed must be a number within 0..1");
        count.Validators.Add(r => { if (r.GetValueOrDefault<long?>() < 0) r.AddError("--count must be >= 0"); });
        command.Validators.Add(r =>
        {
            if (r.GetResult(file) is not null && r.GetResult(kafka) is not null) r.AddError("give at most one of --kafka and --output");
            if (r.GetResult(file) is not null && r.GetResult(count) is null) r.AddError("--output needs --count");
        });
        command.SetAction((parse, cancellationToken) => CommandRunner.GuardBatch(async stdout =>
        {
            var generator = new MentionGenerator(new GeneratorOptions
            {
                Seed = parse.GetValue(seed),
                CustomersPerBrand = parse.GetValue(customers),
                MalformedShare = parse.GetValue(malformed),
            });
            if (parse.GetValue(kafka) is not { } bootstrap)
            {
                await using var fileOutput = parse.GetValue(file)?.Create();
                var output = fileOutput ?? stdout;
                long written = 0;
                await using (new ProgressReport("generate", "mentions", () => Volatile.Read(ref written), parse.GetValue(count)))
                {
                    foreach (var record in generator.Generate(parse.GetValue(count) ?? long.MaxValue))
                    {
                        await output.WriteAsync(record.Value, cancellationToken).ConfigureAwait(false);
                        output.WriteByte((byte)'\n');
                        Volatile.Write(ref written, written + 1);
                    }
                }
                return ExitCodes.Ok;
            }
            using var producer = KafkaClientSettings.CreateProducer(KafkaClientSettings.Load(bootstrap, parse.GetValue(settings)?.FullName));
            var records = new RecordProducer(producer, parse.GetValue(topic) ?? TopicCatalog.LoadDefault().Mentions.Name);
            await using (new ProgressReport("generate", "mentions", () => records.Produced, parse.GetValue(count)))
            {
                await records.RunAsync(generator.Next, parse.GetValue(rate), parse.GetValue(count), cancellationToken).ConfigureAwait(false);
            }
            // A broker that never answers leaves the records queued: they were not delivered, and say so (the exit was 0 with "0 failed").
            var unconfirmed = records.Unconfirmed;
            await Console.Error.WriteLineAsync($"{records.Produced:N0} mentions produced, {records.Failed:N0} failed"
                + (unconfirmed > 0 ? $", {unconfirmed:N0} not delivered (the broker did not confirm them in time)" : "")).ConfigureAwait(false);
            return records.Failed == 0 && unconfirmed == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }, cancellationToken));
        return command;
    }
}
