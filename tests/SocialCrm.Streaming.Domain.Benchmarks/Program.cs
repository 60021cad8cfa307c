using BenchmarkDotNet.Running;

namespace SocialCrm.Streaming.Domain.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project tests/SocialCrm.Streaming.Domain.Benchmarks -- --job short --filter '*'
    // dotnet run -c Release --project tests/SocialCrm.Streaming.Domain.Benchmarks -- alloc   (bytes per mention by stage)
    public static void Main(string[] args)
    {
        if (args is ["alloc"])
        {
            AllocationProbe.Run();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
