using System.Diagnostics;
using System.Runtime;

namespace SocialCrm.Streaming.Host.Bench;

/// <summary>
/// What records cost while they were timed: processor time of this process and of the Redis server,
/// bytes allocated, and the share of the time the runtime was paused for garbage collection. Processor
/// time per record does not drop when other work competes for the processors, unlike records per second.
/// <see cref="JitMethods"/> and <see cref="JitMilliseconds"/> are what the JIT compiled meanwhile (part of the
/// processor time): a node that has run for a while compiles nothing more, so a large figure means the stretch
/// measured start-up as well.
/// </summary>
public sealed record CostFigure(double CpuMicrosecondsPerRecord, double? RedisCpuMicrosecondsPerRecord, double AllocatedBytesPerRecord,
    double GcPauseShare, int Gen0Collections, int Gen1Collections, int Gen2Collections, long JitMethods, double JitMilliseconds);

/// <summary>Adds up the cost of the stretches between <see cref="Resume"/> and <see cref="Pause"/>.</summary>
public sealed class CostMeter(BenchRedis? redis)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private Usage? _resumed;
    private Usage _total;

    /// <summary>False once a reading of the server's processor time was missing: then no figure rather than a wrong one.</summary>
    private bool _redisMeasured = redis is not null;

    public void Resume() => _resumed ??= Read();

    public void Pause()
    {
        if (_resumed is { } start)
        {
            _total += Read() - start;
            _resumed = null;
        }
    }

    public CostFigure PerRecord(long records)
    {
        Pause();
        var perRecord = Math.Max(1, records);
        return new CostFigure(
            _total.Cpu.TotalMicroseconds / perRecord,
            _redisMeasured ? _total.RedisCpu.TotalMicroseconds / perRecord : null,
            (double)_total.Allocated / perRecord,
            _total.Elapsed > TimeSpan.Zero ? _total.GcPause / _total.Elapsed : 0,
            _total.Gen0, _total.Gen1, _total.Gen2, _total.JitMethods, _total.JitTime.TotalMilliseconds);
    }

    private Usage Read()
    {
        using var self = Process.GetCurrentProcess();
        var redisCpu = redis?.ServerProcessorTime;
        _redisMeasured &= redisCpu is not null;
        return new Usage(_clock.Elapsed, self.TotalProcessorTime, redisCpu ?? TimeSpan.Zero,
            GC.GetTotalAllocatedBytes(precise: false), GC.GetTotalPauseDuration(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
    }

    private readonly record struct Usage(TimeSpan Elapsed, TimeSpan Cpu, TimeSpan RedisCpu, long Allocated, TimeSpan GcPause, int Gen0, int Gen1, int Gen2,
        long JitMethods, TimeSpan JitTime)
    {
        public static Usage operator +(Usage a, Usage b) => new(a.Elapsed + b.Elapsed, a.Cpu + b.Cpu, a.RedisCpu + b.RedisCpu,
            a.Allocated + b.Allocated, a.GcPause + b.GcPause, a.Gen0 + b.Gen0, a.Gen1 + b.Gen1, a.Gen2 + b.Gen2,
            a.JitMethods + b.JitMethods, a.JitTime + b.JitTime);

        public static Usage operator -(Usage a, Usage b) => new(a.Elapsed - b.Elapsed, a.Cpu - b.Cpu, a.RedisCpu - b.RedisCpu,
            a.Allocated - b.Allocated, a.GcPause - b.GcPause, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2,
            a.JitMethods - b.JitMethods, a.JitTime - b.JitTime);
    }
}
