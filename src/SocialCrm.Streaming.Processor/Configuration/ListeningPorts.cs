using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SocialCrm.Streaming.Host.Configuration;

/// <summary>A port a command is about to listen on: the setting (or flag) that chose it, the address, the port (0: ephemeral).</summary>
public sealed record ListeningPort(string Setting, string Address, int Port);

/// <summary>
/// Checks the ports a command will listen on before anything starts. A port another process holds stops start-up with
/// exit 2 naming the setting, where the bind itself failed seconds later, deep in Kestrel or Akka's transport, with a
/// message that named no setting (or five nested "One or more errors occurred").
/// </summary>
public static class ListeningPorts
{
    /// <summary>Throws <see cref="ConfigurationException"/> naming each fixed port of <paramref name="ports"/> that is taken.</summary>
    public static void RequireFree(IEnumerable<ListeningPort> ports)
    {
        var errors = ports.Where(p => p.Port > 0 && IsTaken(p))
            .Select(p => $"{p.Setting} {p.Port.ToString(CultureInfo.InvariantCulture)} is in use by another process: choose a free port or stop that process")
            .ToList();
        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }
    }

    /// <summary>The ports of a processor node: metrics and health, Akka remoting, and Akka Management with the Kubernetes bootstrap.</summary>
    public static IReadOnlyList<ListeningPort> OfNode(SocialCrmOptions options) =>
    [
        new("Metrics:Port (--metrics-port)", "0.0.0.0", options.Metrics.Port),
        new("Cluster:Port (--port)", "0.0.0.0", options.Cluster.Port),
        .. options.Cluster.Bootstrap.Enabled ? [new ListeningPort("Cluster:Bootstrap:ManagementPort", "0.0.0.0", options.Cluster.Bootstrap.ManagementPort)] : Array.Empty<ListeningPort>(),
    ];

    /// <summary>Whether this machine can listen on <paramref name="address"/> (an IP address): false for one of another machine.</summary>
    public static bool IsLocal(IPAddress address) => BindError(address, 0) != SocketError.AddressNotAvailable;

    private static bool IsTaken(ListeningPort port) =>
        // A host name is left to the server, which resolves it and reports a failure itself.
        IPAddress.TryParse(port.Address, out var address) && BindError(address, port.Port) == SocketError.AddressAlreadyInUse;

    /// <summary>What listening on <paramref name="address"/>:<paramref name="port"/> fails with now; null when it works.</summary>
    private static SocketError? BindError(IPAddress address, int port)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, port));
            probe.Listen();
            return null;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }
}
