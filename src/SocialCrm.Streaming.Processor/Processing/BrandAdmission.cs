using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using SocialCrm.Streaming.Cluster;
using SocialCrm.Streaming.Domain.Mentions;
using SocialCrm.Streaming.Domain.Ports;
using SocialCrm.Streaming.Host.Configuration;

namespace SocialCrm.Streaming.Host.Processing;

/// <summary>
/// Which brands (tenants) this node takes records of: those of the allow-list when one is configured, else up to
/// <see cref="TenantOptions.MaxBrands"/> registered cluster-wide (<see cref="IBrandRegistry"/>), so no feed can make the
/// brand monitors, per-brand counts and keys grow without bound. A refused record is dead-lettered (unknown-brand).
/// A brand once registered stays admitted; a registry that does not answer is asked again until it does (the record
/// waits, as it would for its customer's store), never taken as a refusal.
/// </summary>
public sealed class BrandAdmission(TenantOptions options, IBrandRegistry registry, RateLimitedLog log)
{
    /// <summary>A brand the registry refused (it was full) is refused for this long without asking it again.</summary>
    private static readonly TimeSpan RefusedFor = TimeSpan.FromSeconds(10);

    private readonly FrozenSet<string>? _allowed = options.AllowedBrands.Length > 0 ? options.AllowedBrands.ToFrozenSet(StringComparer.Ordinal) : null;
    private readonly ConcurrentDictionary<string, bool> _registered = new(StringComparer.Ordinal);
    /// <summary>One registration in flight per brand: every record of it waits for the same answer.</summary>
    private readonly ConcurrentDictionary<string, Lazy<Task<Rejection?>>> _registering = new(StringComparer.Ordinal);
    /// <summary>
    /// Per brand, not for all new brands: a brand another node registered, or whose registration is still in flight
    /// here, must not be refused because some other brand found the registry full.
    /// </summary>
    private readonly ConcurrentDictionary<string, long> _refusedAt = new(StringComparer.Ordinal);

    /// <summary>The answer for an admitted brand: one completed task for every record.</summary>
    private static readonly Task<Rejection?> Admitted = Task.FromResult<Rejection?>(null);

    /// <summary>
    /// Null when the brand is admitted, else why not. A task, so that a batch can start every check of its records
    /// and wait once for those still running (a brand being registered).
    /// </summary>
    public Task<Rejection?> CheckAsync(string brand, CancellationToken cancellationToken)
    {
        if (_allowed is not null)
        {
            return _allowed.Contains(brand)
                ? Admitted
                : Task.FromResult<Rejection?>(new Rejection(RejectReason.UnknownBrand, $"brand '{brand}' is not in Tenants:AllowedBrands"));
        }
        if (_registered.ContainsKey(brand))
        {
            return Admitted;
        }
        if (_refusedAt.TryGetValue(brand, out var refusedAt) && Stopwatch.GetElapsedTime(refusedAt) < RefusedFor)
        {
            return Task.FromResult<Rejection?>(Full(brand));
        }
        return Registration(brand, cancellationToken);
    }

    /// <summary>
    /// The one registration of a brand not yet known. A method of its own: the closure over the token is made only
    /// here, not on every check (a captured parameter's closure is allocated where the method starts).
    /// </summary>
    private Task<Rejection?> Registration(string brand, CancellationToken cancellationToken) =>
        _registering.GetOrAdd(brand, b => new Lazy<Task<Rejection?>>(() => RegisterAsync(b, cancellationToken))).Value;

    private async Task<Rejection?> RegisterAsync(string brand, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    if (await registry.TryRegisterAsync(brand, options.MaxBrands, cancellationToken).ConfigureAwait(false))
                    {
                        _registered.TryAdd(brand, true);
                        return null;
                    }
                    _refusedAt[brand] = Stopwatch.GetTimestamp();
                    return Full(brand);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    log.Warning("brand-registry", "Registering brand {Brand} failed ({Exception}); asking again", brand, ex.GetType().Name);
                    await Task.Delay(RetryBackoff.After(attempt, TimeSpan.FromSeconds(5)), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // After the answer is recorded above, so a check in between finds it there.
            _registering.TryRemove(brand, out _);
        }
    }

    private Rejection Full(string brand) =>
        new(RejectReason.UnknownBrand, $"brand '{brand}' is new and Tenants:MaxBrands ({options.MaxBrands}) brands are registered already");
}
