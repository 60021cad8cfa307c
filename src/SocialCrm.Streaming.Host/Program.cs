using System.CommandLine;
using SocialCrm.Streaming.Host.Bench;
using SocialCrm.Streaming.Host.Commands;
using SocialCrm.Streaming.Host.Demo;

var root = new RootCommand("socialcrm: real-time social listening for customer care — crisis alerts and lifecycle triggers from social mentions")
{
    DemoCommand.Create(),
    RunCommand.Create(),
    ConsoleCommand.Create(),
    AnalyzeCommand.Create(),
    ReplayCommand.Create(),
    EvaluateCommand.Create(),
    GenerateCommand.Create(),
    TopologyCommand.Create(),
    ForgetCommand.Create(),
    BenchCommand.Create(),
};
return await CommandRunner.InvokeAsync(root, args).ConfigureAwait(false);
