using Microsoft.Extensions.Logging;
using SocialCrm.Streaming.CareConsole.Views;

namespace SocialCrm.Streaming.CareConsole.Cases;

/// <summary>What became of a command: applied (with its event), or refused with a status and a reason.</summary>
public sealed record CaseWorkResult(CaseEvent? Applied, int Status, string? Reason);

/// <summary>
/// Carries out an agent's command on a case: decide on the stored state, apply if nobody changed the case
/// meanwhile (else decide again on the new state), then wake the relay that sends the event downstream.
/// </summary>
public sealed partial class CaseWork(CaseStore store, SignalReader signals, TimeProvider clock, ILogger<CaseWork> log, CaseEventRelay? relay = null)
{
    private const int Attempts = 3;

    public async Task<CaseWorkResult> ExecuteAsync(string brand, string signalId, CaseCommand command)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var stored = await store.LoadAsync(brand, signalId).ConfigureAwait(false);
            var current = stored.Snapshot;
            if (current is null)
            {
                // The first change of a case (or one whose record another hand spoilt, which it replaces): the signal
                // must be one the processor listed for this brand.
                var signal = await signals.FindAsync(brand, signalId).ConfigureAwait(false);
                if (signal is null)
                {
                    return new CaseWorkResult(null, 404, "no such alert or trigger in the brand's lists");
                }
                current = CaseSnapshot.Untouched(signal.Subject) with { Version = stored.Version };
            }
            var decision = CaseRules.Decide(current, command, clock.GetUtcNow());
            if (decision.Event is not { } change)
            {
                return new CaseWorkResult(null, decision.Incomplete ? 400 : 409, decision.Refusal);
            }
            if (await store.TryApplyAsync(change, stored.Token).ConfigureAwait(false))
            {
                relay?.Changed(brand);
                // Brand, signal id and action only: agents' names, notes and customers stay out of the logs.
                LogApplied(log, command.Action.ToWire(), brand, signalId, change.Version);
                return new CaseWorkResult(change, 200, null);
            }
        }
        return new CaseWorkResult(null, 409, "the case kept changing; look again and retry");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Case {Action} applied to {Brand}/{SignalId} (version {Version})")]
    private static partial void LogApplied(ILogger logger, string action, string brand, string signalId, long version);
}
