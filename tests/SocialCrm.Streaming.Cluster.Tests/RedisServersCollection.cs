using SocialCrm.Streaming.Testing;

namespace SocialCrm.Streaming.Cluster.Tests;

[CollectionDefinition(RedisServersFixture.Collection)]
public sealed class RedisServersCollection : ICollectionFixture<RedisServersFixture>;
