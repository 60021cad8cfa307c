using System.Globalization;
using SocialCrm.Streaming.Redis.Benchmarks;
using SocialCrm.Streaming.Testing;

// Usage: dotnet run -c Release --project tests/SocialCrm.Streaming.Redis.Benchmarks -- [flushes] [customers] [rounds] [redis|garnet|both]
// Writes typical flushes through RedisCustomerStore into a server of its own (redis-server on a free port, stopped by
// process id; or Garnet in this process) and reports the server's CPU and commands per flush, with 1 and with 64 flushes
// in flight. Garnet reports neither: its CPU is this process's CPU less the client's (the redis-server rows' process CPU).
var flushes = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
var customers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2_000;
var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
string[] servers = (args.Length > 3 ? args[3] : "redis") switch
{
    "both" => [RedisServers.Redis, RedisServers.Garnet],
    var one => [one],
};
for (var round = 0; round < rounds; round++)
{
    foreach (var server in servers)
    {
        foreach (var inFlight in new[] { 1, 64 })
        {
            Console.WriteLine(await FlushCostProbe.RunAsync(server, flushes, customers, inFlight));
        }
    }
}
