namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>
/// The brands (tenants) a deployment has taken on, shared by every node and kept across restarts, so that a cap on
/// their number holds cluster-wide and a brand once taken on stays taken on (its customers are never half counted).
/// </summary>
public interface IBrandRegistry
{
    /// <summary>True when the brand is registered already, or is registered now because fewer than <paramref name="capacity"/> are.</summary>
    Task<bool> TryRegisterAsync(string brand, int capacity, CancellationToken cancellationToken);
}
