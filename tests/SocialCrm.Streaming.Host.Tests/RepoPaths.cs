namespace SocialCrm.Streaming.Host.Tests;

/// <summary>Files of the repository the tests read (the dashboard, the labelled corpus), found above the test binaries.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SocialCrm.Streaming.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("SocialCrm.Streaming.sln not found above " + AppContext.BaseDirectory);
    }
}
