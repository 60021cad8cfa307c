using StackExchange.Redis;

namespace SocialCrm.Streaming.Testing;

/// <summary>What a test points the processor at: one Redis-protocol server (<see cref="RedisServer"/>) or a Redis Cluster (<see cref="RedisCluster"/>).</summary>
public interface IRedisDeployment : IDisposable
{
    /// <summary>StackExchange.Redis configuration naming every endpoint.</summary>
    string ConnectionString { get; }

    /// <summary>A new connection (the caller disposes it). Short timeouts suit tests.</summary>
    ConnectionMultiplexer Connect(Action<ConfigurationOptions>? configure = null);
}
