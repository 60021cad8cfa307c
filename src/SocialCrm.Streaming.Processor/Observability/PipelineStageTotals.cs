namespace SocialCrm.Streaming.Host.Observability;

/// <summary>Seconds and records observed in each stage of <c>socialcrm_pipeline_stage_seconds</c> so far.</summary>
public readonly record struct PipelineStageTotals(double WaitingForBatchSeconds, long WaitingForBatchRecords, double WithCustomersSeconds, long WithCustomersRecords)
{
    /// <summary>Mean milliseconds per record in each stage since <paramref name="earlier"/> (0 where no record was observed).</summary>
    public (double WaitingForBatchMs, double WithCustomersMs) MeansSince(PipelineStageTotals earlier) =>
        (Mean(WaitingForBatchSeconds - earlier.WaitingForBatchSeconds, WaitingForBatchRecords - earlier.WaitingForBatchRecords),
         Mean(WithCustomersSeconds - earlier.WithCustomersSeconds, WithCustomersRecords - earlier.WithCustomersRecords));

    private static double Mean(double seconds, long records) => records == 0 ? 0 : seconds * 1000 / records;
}
