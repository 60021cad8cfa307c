using System.Globalization;
using SocialCrm.Streaming.Redis.Benchmarks;

// Usage: dotnet run -c Release --project tests/SocialCrm.Streaming.Redis.Benchmarks -- [flushes] [customers] [rounds]
// Writes typical flushes through RedisCustomerStore into a redis-server of its own (free port, stopped by process id)
// and reports the server's CPU and commands per flush, with 1 and with 64 flushes in flight.
var flushes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var customers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
for (var round = 0; round < rounds; round++)
{
    foreach (var inFlight in new[] { 1, 64 })
    {
        var result = await FlushCostProbe.RunAsync(flushes, customers, inFlight);
        Console.WriteLine(result);
    }
}
