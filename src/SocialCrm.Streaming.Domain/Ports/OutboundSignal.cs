namespace SocialCrm.Streaming.Domain.Ports;

/// <summary>Which downstream stream a signal belongs to: crisis alerts or lifecycle triggers.</summary>
public enum SignalStream { CrisisAlerts, LifecycleTriggers }

/// <summary>
/// An alert or trigger ready to leave the domain: its deterministic id (the idempotency key of every
/// write), the brand, the stream, the Kafka key (brand for brand-level alerts, entity id otherwise)
/// and its JSON; and, as the JSON names them, the alert's kind or the trigger's type and the priority (for
/// metrics, which need not read the JSON again).
/// </summary>
public sealed record OutboundSignal(string Id, string Brand, SignalStream Stream, string Key, string Json, string Kind, string Priority);
