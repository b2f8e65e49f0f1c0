using System.Text.Json;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>Launch lines for the helpers and predicates over their JSON output.</summary>
public static class MdnsHelpers
{
    /// <summary>A typed advertisement from test strings.</summary>
    internal static PluginMesh.Plugins.Dns.Mdns.Mdns.LocalPeerAdvertisement Ad(string peer, IEnumerable<string> addresses) =>
        new(PluginMesh.P2p.PeerId.Parse(peer), [.. addresses.Select(PluginMesh.P2p.Multiaddr.Parse)]);

    /// <summary>Multiaddrs or PeerIds as text, for assertions against test strings.</summary>
    public static IEnumerable<string> Texts<T>(this IEnumerable<T> values) where T : notnull => values.Select(v => v.ToString()!);

    public const string PeerA = "12D3KooWQCkBm1BYtkHpocxCwMgR8yjitEeHGx8spzcDLGt2gkBm";
    public const string PeerB = "12D3KooWRkZhiRhsqmrQ28rt73K7V3aCBpqKrLGSXmZ99PTcTZby";

    /// <summary>Generous: the machine is shared and heavily loaded; a wait ends as soon as its condition holds.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static string TestDll => typeof(MdnsHelpers).Assembly.Location;

    /// <summary>The dotnet host running this test (so the child uses the same runtime).</summary>
    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";

    public static ChildProcess StartNode(string netns, params string[] args) =>
        ChildProcess.InNetns(netns, [Dotnet, TestDll, "mdns-node", .. args]);

    public static string JsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PluginMesh.sln"))) return Path.Combine(dir.FullName, "tests", "Dns.Mdns.Tests", "js");
        throw new InvalidOperationException("PluginMesh.sln not found");
    }

    public static Func<JsonElement, bool> Event(string name, string? peerId = null) => line =>
        line.TryGetProperty("event", out var e) && e.GetString() == name
        && (peerId is null || (line.TryGetProperty("peerId", out var p) && p.GetString() == peerId));

    public static List<string> Strings(JsonElement line, string property) =>
        line.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToList();
}
