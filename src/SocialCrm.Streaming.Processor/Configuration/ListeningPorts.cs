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
    public static bool IsLocal(IPAddress address)
    {
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return false;
        }
    }

    private static bool IsTaken(ListeningPort port)
    {
        if (!IPAddress.TryParse(port.Address, out var address))
        {
            return false; // a host name: the server resolves it and reports a failure itself
        }
        using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(address, port.Port));
            probe.Listen();
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
    }
}
