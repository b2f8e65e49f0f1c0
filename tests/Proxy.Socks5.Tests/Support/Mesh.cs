using PluginMesh.Abstractions.Catalog;

namespace PluginMesh.Plugins.Proxy.Socks5.Tests.Support;

/// <summary>
/// The mesh the end-to-end tests share (started once, it is the slow part): node-a with an open
/// SOCKS listener on loopback, node-b serving an HTTP and a banner/echo server on its allowed ports,
/// node-c whose listener requires a username and password. The catalog places node-b at 127.0.0.1
/// and ::1 and node-c at 127.0.0.3, so address targets map to them.
/// </summary>
public sealed class Mesh : IAsyncLifetime
{
    public const string User = "ops";
    public const string Password = "s3cret:with colon";

    private readonly string _dir = Directory.CreateTempSubdirectory("pm-socks5-").FullName;
    private readonly TestDirectory _directory = new();
    private readonly SnapshotCatalog _catalog = new();

    internal TcpServer Http { get; } = TcpServer.Http("hello from node-b");
    internal TcpServer Echo { get; } = TcpServer.BannerEcho();
    internal int DeadPort { get; } = TcpServer.DeadPort();
    internal Agent A { get; private set; } = null!;
    internal Agent B { get; private set; } = null!;
    internal Agent C { get; private set; } = null!;
    internal string Dir => _dir;
    internal TestDirectory Directory_ => _directory;
    internal SnapshotCatalog Catalog => _catalog;

    public async Task InitializeAsync()
    {
        _catalog.PublishNodes(
            new MeshNode("node-a", [], [IPAddress.Parse("127.0.0.2")]),
            new MeshNode("node-b", [], [IPAddress.Loopback, IPAddress.IPv6Loopback]),
            new MeshNode("node-c", [], [IPAddress.Parse("127.0.0.3")]));
        var credentials = Path.Combine(_dir, "socks5.credentials");
        File.WriteAllText(credentials, $"# who may use node-c's proxy\n{User}:{Password}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(credentials, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        A = await Agent.StartAsync(_dir, "node-a", _directory, _catalog);
        B = await Agent.StartAsync(_dir, "node-b", _directory, _catalog,
            ("allowedPorts:0", Http.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("allowedPorts:1", Echo.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("allowedPorts:2", DeadPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        C = await Agent.StartAsync(_dir, "node-c", _directory, _catalog, ("credentialsFile", credentials));
    }

    public async Task DisposeAsync()
    {
        foreach (var agent in new[] { C, B, A })
        {
            if (agent is not null) await agent.DisposeAsync();
        }
        await Http.DisposeAsync();
        await Echo.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>The test classes that share one <see cref="Mesh"/>.</summary>
[CollectionDefinition(Name)]
public sealed class MeshCollection : ICollectionFixture<Mesh>
{
    public const string Name = "socks5 mesh";
}
