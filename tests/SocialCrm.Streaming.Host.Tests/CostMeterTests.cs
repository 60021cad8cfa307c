using System.Linq.Expressions;
using SocialCrm.Streaming.Host.Bench;

namespace SocialCrm.Streaming.Host.Tests;

/// <summary>What <c>socialcrm bench</c> charges to the records of a timed stretch.</summary>
public sealed class CostMeterTests
{
    [Fact]
    public void What_the_JIT_compiles_while_records_are_timed_is_part_of_their_cost()
    {
        var meter = new CostMeter(redis: null);
        meter.Resume();
        // A method made at run time: the JIT compiles it when it is first called, inside the timed stretch.
        var made = Expression.Lambda<Func<int>>(Expression.Add(Expression.Constant(40), Expression.Constant(2))).Compile();
        Assert.Equal(42, made());
        var cost = meter.PerRecord(records: 1);

        Assert.True(cost.JitMethods >= 1, $"{cost.JitMethods} methods compiled");
        Assert.True(cost.JitMilliseconds > 0, $"{cost.JitMilliseconds} ms compiling");
    }
}
