using System.Net;
using System.Reflection;
using Confluent.Kafka;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.CareConsole.Access;
using SocialCrm.Streaming.CareConsole.Cases;
using SocialCrm.Streaming.CareConsole.Live;
using SocialCrm.Streaming.CareConsole.Views;
using SocialCrm.Streaming.Kafka;
using SocialCrm.Streaming.Redis.Connection;
using SocialCrm.Streaming.Redis.State;
using StackExchange.Redis;

namespace SocialCrm.Streaming.CareConsole;

/// <summary>
/// The care console as a running web app on Kestrel. It reads and writes only Redis (plus, when configured,
/// produces case events to Kafka): it scales apart from the processor and never slows it.
/// </summary>
public sealed class ConsoleApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConnectionMultiplexer _redis;

    private ConsoleApp(WebApplication app, ConnectionMultiplexer redis, Uri url)
    {
        _app = app;
        _redis = redis;
        Url = url;
    }

    /// <summary>The address it listens on (with the real port when started on port 0).</summary>
    public Uri Url { get; }

    /// <summary>Builds and starts the console on <paramref name="host"/>:<paramref name="port"/> (0: an ephemeral port).</summary>
    public static async Task<ConsoleApp> StartAsync(ConsoleOptions options, string host, int port, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors), nameof(options));
        }
        // Settings come from ConsoleOptions only: no appsettings.json or command line of whatever directory it runs in.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(host), port));
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        // Request logs name paths (customer ids) and query strings: the framework logs warnings only.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        configureLogging?.Invoke(builder.Logging);
        // Starts while Redis is down (a pod rescheduled with it, a Redis restarting): not ready and answering 503 until it is
        // back, where exiting made a crash loop whose back-off kept the console away for minutes after Redis returned.
        // A refused password or certificate still stops start-up.
        var redis = RedisConnector.Connect(new RedisConnectionSettings(options.RedisConfiguration, options.RedisUser, options.RedisPassword, options.RedisTls));
        AddServices(builder.Services, options, redis);
        ConsoleAuthentication.Add(builder.Services, options);

        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        MapPage(app);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", async (IConnectionMultiplexer connection) =>
        {
            try
            {
                await connection.GetDatabase().PingAsync().ConfigureAwait(false);
                return Results.Text("ready");
            }
            catch (RedisException)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
        });
        ConsoleAuthentication.MapDevSignIn(app, options);
        ConsoleEndpoints.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ConsoleApp(app, redis, new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)));
    }

    /// <summary>Runs until the token is cancelled.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await _redis.DisposeAsync().ConfigureAwait(false);
    }

    private static void AddServices(IServiceCollection services, ConsoleOptions options, ConnectionMultiplexer redis)
    {
        services.AddSingleton<IConnectionMultiplexer>(redis);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RedisKeys(options.KeyPrefix));
        services.AddSingleton(new CaseKeys(options.KeyPrefix));
        services.AddSingleton(options);
        services.AddSingleton(new BrandAccess(options.Auth));
        services.AddSingleton<ForeignData>();
        services.AddSingleton<SignalReader>();
        services.AddSingleton<CaseStore>();
        services.AddSingleton<CaseWork>();
        services.AddSingleton<LiveStream>();
        services.AddSingleton<BrandOverviewReader>();
        services.AddSingleton<CustomerReader>();
        if (options.SendsCaseEvents)
        {
            services.AddSingleton(provider =>
            {
                var producer = CaseEventRelay.CreateProducer(options.Kafka, new KafkaClientLog(provider.GetRequiredService<ILogger<KafkaClientLog>>(), "case events producer"));
                return new CaseEventRelay(redis, provider.GetRequiredService<CaseStore>(), producer, options.Kafka.CaseEventsTopic,
                    provider.GetRequiredService<ILogger<CaseEventRelay>>());
            });
            services.AddHostedService(provider => provider.GetRequiredService<CaseEventRelay>());
        }
    }

    /// <summary>The page: three embedded files, no build step, nothing from outside.</summary>
    private static void MapPage(WebApplication app)
    {
        (string Path, string Resource, string ContentType)[] files =
        [
            ("/", "page/index.html", "text/html; charset=utf-8"),
            ("/console.css", "page/console.css", "text/css; charset=utf-8"),
            ("/console.js", "page/console.js", "text/javascript; charset=utf-8"),
        ];
        var assembly = Assembly.GetExecutingAssembly();
        foreach (var (path, resource, contentType) in files)
        {
            using var stream = assembly.GetManifestResourceStream(resource) ?? throw new InvalidOperationException($"missing page resource {resource}");
            using var reader = new StreamReader(stream);
            var content = reader.ReadToEnd();
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Text(content, contentType);
            });
        }
    }
}
