using BenchmarkDotNet.Running;

namespace SocialCrm.Streaming.Domain.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project tests/SocialCrm.Streaming.Domain.Benchmarks -- --job short --filter '*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
