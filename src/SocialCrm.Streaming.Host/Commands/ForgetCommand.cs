using System.CommandLine;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Kafka.Ingest;
using SocialCrm.Streaming.Kafka.Output;
using SocialCrm.Streaming.Kafka.Topology;

namespace SocialCrm.Streaming.Host.Commands;

/// <summary>
/// <c>socialcrm forget --brand B (--customer ID | --author PLATFORM:ID)</c>: publishes a tombstone for the customer or
/// prospect to the profiles topic, keyed as the processor reads it and partitioned like the mentions (murmur2), so the
/// erasure takes effect in order with the mentions. Exit 0 once the broker has it, 2 bad usage or configuration,
/// 1 when the broker refuses it or does not answer within --timeout.
/// </summary>
public static class ForgetCommand
{
    public static Command Create()
    {
        var kafka = new Option<string?>("--kafka")
        {
            Description = "Kafka bootstrap servers (default: Kafka:BootstrapServers from appsettings.json or SOCIALCRM__Kafka__BootstrapServers; Kafka:Properties such as sasl.* apply too)",
        };
        var brand = new Option<string>("--brand") { Description = "The brand the customer or prospect belongs to", Required = true };
        var customer = new Option<string?>("--customer") { Description = "The CRM customer id to forget" };
        var author = new Option<string?>("--author") { Description = "The prospect to forget, as PLATFORM:AUTHORID (e.g. x:12345)" };
        var config = CommandRunner.ExistingFileOption("--config", "A settings file (appsettings.json layout) instead of the one beside the program");
        var topic = new Option<string?>("--topic") { Description = "Profiles topic (default: the profiles topic of topology/topics.json)" };
        var timeout = CommandRunner.DurationOption("--timeout", "How long to wait for the broker's acknowledgement", TimeSpan.FromSeconds(30), atLeast: "1ms");
        var command = new Command("forget", "Erase a customer or a prospect: publish their tombstone to the profiles topic, in order with their mentions")
        {
            kafka, brand, customer, author, config, topic, timeout,
        };
        brand.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } b && !MentionParser.IsValidBrand(b))
            {
                r.AddError($"--brand must be a brand as mentions name it ([a-z0-9_-]{{1,{MentionParser.MaxBrandLength}}}); was '{b}'");
            }
        });
        command.Validators.Add(r =>
        {
            if ((r.GetResult(customer) is null) == (r.GetResult(author) is null))
            {
                r.AddError("give exactly one of --customer ID and --author PLATFORM:ID");
            }
            else if (r.GetValue(customer) is { } id && !EntityId.IsCustomerId(id))
            {
                // The processor reads no other tombstone key: one it cannot read is set aside, and nobody is forgotten.
                r.AddError($"--customer must be a non-empty customer id without ':' of at most {MentionParser.MaxIdLength} characters; was '{id}'");
            }
            else if (r.GetValue(author) is { } a && !EntityId.IsProspectId(a))
            {
                r.AddError($"--author must be PLATFORM:AUTHORID with a platform of x, twitter, facebook, instagram, reddit, youtube, tiktok, review, forum, other and an author id of at most {MentionParser.MaxIdLength} characters; was '{a}'");
            }
        });
        command.SetAction((parse, cancellationToken) => CommandRunner.Guard(async () =>
        {
            var b = parse.GetValue(brand)!;
            var kafkaOptions = KafkaClientSettings.Load(parse.GetValue(kafka), parse.GetValue(config)?.FullName);
            var privacy = PrivacySettings(parse.GetValue(config));
            var entity = parse.GetValue(customer) is { } id ? EntityId.ForCustomer(b, id) : ProspectId(b, parse.GetValue(author)!, privacy);
            var topicName = parse.GetValue(topic) ?? TopicCatalog.LoadDefault().Profiles.Name;
            var properties = new Dictionary<string, string>(kafkaOptions.Properties)
            {
                ["message.timeout.ms"] = ((long)parse.GetValue(timeout).TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            using var producer = KafkaClientSettings.Build(kafkaOptions, "producer", () => KafkaProducerFactory.Create(kafkaOptions.BootstrapServers, properties));
            try
            {
                var delivered = await producer.ProduceAsync(topicName, new Message<byte[]?, byte[]> { Key = Encoding.UTF8.GetBytes(entity.Value), Value = null! },
                    cancellationToken).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"forget: tombstone for {entity.Value} published to {delivered.Topic} [{delivered.Partition.Value}] @ {delivered.Offset.Value}").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (ProduceException<byte[]?, byte[]> ex)
            {
                await Console.Error.WriteLineAsync($"forget: the broker did not take the tombstone for {entity.Value} on {topicName}: {ex.Error.Code} {ex.Error.Reason}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        }));
        return command;
    }

    /// <summary>
    /// The prospect's entity id as the processor keys it: with <c>Privacy:PseudonymiseAuthors</c> the processor only ever
    /// saw the keyed hash of the author id, so the tombstone must name that.
    /// </summary>
    private static EntityId ProspectId(string brand, string author, PrivacyOptions privacy)
    {
        var separator = author.IndexOf(':', StringComparison.Ordinal);
        PlatformNames.TryParsePlatform(author[..separator], out var platform);
        var authorId = author[(separator + 1)..];
        if (privacy.PseudonymiseAuthors)
        {
            authorId = privacy.CreatePseudonymizer().AuthorId(platform, authorId);
        }
        return EntityId.Parse($"{brand}:{platform.ToWire()}:{authorId}");
    }

    /// <summary>The Privacy settings the processor pseudonymises authors with, from the same layered configuration.</summary>
    private static PrivacyOptions PrivacySettings(FileInfo? settings)
    {
        var privacy = new PrivacyOptions();
        try
        {
            ConfigurationLoader.Build(new Dictionary<string, string?>(), settings?.FullName).GetSection("Privacy").Bind(privacy);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationException([ex.Message + (ex.InnerException is { } inner ? " " + inner.Message : "")]);
        }
        var errors = new List<string>();
        privacy.Validate(errors);
        return errors.Count > 0 ? throw new ConfigurationException(errors) : privacy;
    }
}
