using Akka.Cluster;
using SocialCrm.Streaming.Host.Configuration;
using SocialCrm.Streaming.Host.Processing;
using SocialCrm.Streaming.Testing;
using SocialCrm.Streaming.Testing.Tls;
using Xunit.Abstractions;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>
/// Akka remoting over mutual TLS (Cluster:Tls): processor nodes holding the shared certificate, or one signed by the cluster's
/// CA, form a cluster; a node with another certificate, or none, never becomes a member. That the stranger with a perfectly
/// valid certificate of its own stays out proves validation is on (suppressed validation would let it in).
/// </summary>
public sealed class RemotingTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string PfxPassword = "Cluster-pfx-pa55word";
    private static readonly TimeSpan ChanceToJoin = TimeSpan.FromSeconds(15);
    private readonly MockKafkaFixture _kafka = MockKafkaFixture.WithBrokers(1);
    private readonly RedisServer _redis = RedisServers.Start(RedisServers.Garnet);
    private readonly TestCertificates _cluster = TestCertificates.Create("cluster");
    private readonly TestCertificates _stranger = TestCertificates.Create("stranger");

    [Fact]
    public async Task Nodes_with_the_shared_certificate_form_a_cluster_and_nodes_with_another_or_none_cannot_join()
    {
        var shared = new ClusterTlsOptions { Certificate = _cluster.SelfSignedPfx("shared", PfxPassword), Password = PfxPassword };
        var another = new ClusterTlsOptions { Certificate = _stranger.SelfSignedPfx("another", PfxPassword), Password = PfxPassword };
        await FormAndFendOffAsync(shared, shared, another);
    }

    [Fact]
    public async Task Nodes_with_certificates_of_the_cluster_CA_form_a_cluster_and_one_of_another_CA_cannot_join()
    {
        ClusterTlsOptions Issued(TestCertificates authority, string name) => new()
        {
            Certificate = authority.IssuePfx(name, PfxPassword), Password = PfxPassword, CaCertificate = _cluster.CaFile,
        };
        await FormAndFendOffAsync(Issued(_cluster, "node-a"), Issued(_cluster, "node-b"), Issued(_stranger, "intruder"));
    }

    private async Task FormAndFendOffAsync(ClusterTlsOptions first, ClusterTlsOptions second, ClusterTlsOptions intruder)
    {
        var scenario = ProcessorScenario.Create(_kafka, _redis, 2);
        var ports = Enumerable.Range(0, 4).Select(_ => FreePort.Next()).ToArray();
        ProcessorNode Node(int port, ClusterTlsOptions? tls)
        {
            var options = scenario.Options(port, $"127.0.0.1:{ports[0]}");
            options.Cluster.Tls = tls ?? new ClusterTlsOptions();
            return scenario.StartNode(options);
        }

        await using var a = Node(ports[0], first);
        await using var b = Node(ports[1], second);
        await WaitUntilAsync(() => UpMembers(a) == 2 && UpMembers(b) == 2, TimeSpan.FromSeconds(60), () => Members(a));
        await using var stranger = Node(ports[2], intruder);
        await using var plaintext = Node(ports[3], null);
        await Task.Delay(ChanceToJoin);
        output.WriteLine($"after {ChanceToJoin.TotalSeconds} s: a sees {Members(a)}; the stranger sees {Members(stranger)}; the plaintext node sees {Members(plaintext)}");
        Assert.Equal(new[] { ports[0], ports[1] }.Order(), Akka.Cluster.Cluster.Get(a.ActorSystem).State.Members.Select(m => m.Address.Port!.Value).Order());
        Assert.Equal(0, UpMembers(stranger));
        Assert.Equal(0, UpMembers(plaintext));
    }

    private static int UpMembers(ProcessorNode node) =>
        Akka.Cluster.Cluster.Get(node.ActorSystem).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static string Members(ProcessorNode node) =>
        "[" + string.Join(", ", Akka.Cluster.Cluster.Get(node.ActorSystem).State.Members.Select(m => $"{m.Address.Port} {m.Status}")) + "]";

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> state)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the nodes with the certificate did not form a cluster: " + state());
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        _redis.Dispose();
        _kafka.Dispose();
        _cluster.Dispose();
        _stranger.Dispose();
    }
}
