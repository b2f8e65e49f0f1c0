using System.Text.RegularExpressions;
using PluginMesh.Deploy.Tests.Support;

namespace PluginMesh.Deploy.Tests;

/// <summary>
/// The Dockerfile, linted as text: no container engine runs on this machine, so the image itself is
/// never built here.
/// </summary>
[Trait("Category", "Deploy")]
public sealed partial class DockerfileTests
{
    private static readonly string Text = File.ReadAllText(Repo.Dockerfile);

    /// <summary>Instructions with their continuation lines joined and comments dropped.</summary>
    private static readonly List<(string Op, string Args)> Instructions = Parse(Text);

    [Fact]
    public void BaseImages_ArePinnedDebianSlim()
    {
        var froms = Instructions.Where(i => i.Op == "FROM").Select(i => i.Args).ToList();
        Assert.NotEmpty(froms);
        Assert.All(froms, f => Assert.Matches(@"(^|\s)debian:12-slim(\s|$)", f));
    }

    [Fact]
    public void Runtime_InstallsTheNetworkToolsAndLibraries_WithoutRecommends_AndCleansLists()
    {
        var final = FinalStage();
        var run = Assert.Single(final, i => i.Op == "RUN" && i.Args.Contains("apt-get install", StringComparison.Ordinal)).Args;
        foreach (var package in new[] { "iptables", "iproute2", "libssl3", "ca-certificates" })
            Assert.Matches($@"\s{Regex.Escape(package)}(\s|$)", run);
        Assert.Contains("--no-install-recommends", run, StringComparison.Ordinal);
        Assert.Contains("rm -rf /var/lib/apt/lists/*", run, StringComparison.Ordinal);
    }

    [Fact]
    public void Binary_IsChosenByTargetArch_FromPublishShOutput_ForBothPublishedPlatforms()
    {
        Assert.Contains(Instructions, i => i.Op == "ARG" && i.Args == "TARGETARCH");
        var pick = Assert.Single(Instructions, i => i.Op == "RUN" && i.Args.Contains("TARGETARCH", StringComparison.Ordinal)).Args;
        // build/publish.sh's default platforms, each mapped from buildx's architecture name.
        var publish = File.ReadAllText(Path.Combine(Repo.Root, "build", "publish.sh"));
        Assert.Contains("rids=(linux-x64 linux-arm64)", publish, StringComparison.Ordinal);
        Assert.Contains("amd64) rid=linux-x64", pick, StringComparison.Ordinal);
        Assert.Contains("arm64) rid=linux-arm64", pick, StringComparison.Ordinal);
        Assert.Contains("/out/$rid/pluginmesh", pick, StringComparison.Ordinal);
        Assert.Contains(FinalStage(), i => i.Op == "COPY" && i.Args.EndsWith(" /usr/local/bin/pluginmesh", StringComparison.Ordinal));
    }

    [Fact]
    public void Entrypoint_IsExecFormPluginmesh_RunningUp_AsRoot()
    {
        Assert.Equal("[\"/usr/local/bin/pluginmesh\"]", Assert.Single(Instructions, i => i.Op == "ENTRYPOINT").Args);
        Assert.Equal("[\"up\"]", Assert.Single(Instructions, i => i.Op == "CMD").Args);
        Assert.Equal("0:0", Assert.Single(Instructions, i => i.Op == "USER").Args);
        Assert.Equal("SIGTERM", Assert.Single(Instructions, i => i.Op == "STOPSIGNAL").Args);
    }

    [Fact]
    public void DockerIgnore_LetsThroughExactlyTheBinariesTheDockerfileCopies()
    {
        var lines = File.ReadAllLines(Path.Combine(Repo.Root, ".dockerignore")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.Equal(["*", "!out/linux-x64/pluginmesh", "!out/linux-arm64/pluginmesh"], lines);
        Assert.Contains(Instructions, i => i.Op == "COPY" && i.Args == "out/ /out/");
    }

    private static List<(string Op, string Args)> FinalStage()
    {
        var last = Instructions.FindLastIndex(i => i.Op == "FROM");
        return Instructions.Skip(last).ToList();
    }

    private static List<(string Op, string Args)> Parse(string text)
    {
        var result = new List<(string, string)>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.TrimStart().StartsWith('#') || line.Length == 0) continue;
            current += line.EndsWith('\\') ? line[..^1] + " " : line;
            if (line.EndsWith('\\')) continue;
            var m = InstructionPattern().Match(current.Trim());
            Assert.True(m.Success, $"not a Dockerfile instruction: {current}");
            result.Add((m.Groups[1].Value, Whitespace().Replace(m.Groups[2].Value, " ").Trim()));
            current = "";
        }
        return result;
    }

    [GeneratedRegex(@"^([A-Z]+)\s+(.*)$", RegexOptions.Singleline)]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
