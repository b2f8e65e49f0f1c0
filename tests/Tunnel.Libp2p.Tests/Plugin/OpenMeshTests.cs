using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Plugins.Tunnel.Libp2p.Plugin;
using PluginMesh.Plugins.Tunnel.Libp2p.Pnet;
using PluginMesh.Plugins.Tunnel.Libp2p.Tests.Support;

namespace PluginMesh.Plugins.Tunnel.Libp2p.Tests.Plugin;

/// <summary>An agent without a PSK says so: a warning at start, <c>openMesh</c> in status, a gauge; with one, none of that.</summary>
public sealed class OpenMeshTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pm-open-").FullName;

    [Theory]
    [InlineData(null)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    public async Task Start_WithoutPsk_WarnsAndReportsOpenMesh_WithPskStaysQuiet(UnixFileMode? pskMode)
    {
        var psk = pskMode is not null;
        var config = new Dictionary<string, string?> { ["listen:0"] = "/ip4/127.0.0.1/tcp/0" };
        if (pskMode is { } mode)
        {
            var file = Path.Combine(_dir, "swarm.key");
            File.WriteAllText(file, SwarmKey.Generate().ToFileText());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, mode);
            config["pskFile"] = file;
        }
        using var meter = new Meter("test.openmesh." + Guid.NewGuid());
        long? gauge = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == meter && instrument.Name == "pluginmesh.libp2p.open_mesh") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, value, _, _) => gauge = value);
        listener.Start();

        var services = new ServiceCollection();
        var plugin = new TunnelLibp2pPlugin();
        plugin.ConfigureServices(services, new PluginContext("tunnel.libp2p", new DictionaryConfiguration(config),
            new NodeSettings("n1", _dir, _dir), meter, new System.Diagnostics.ActivitySource("t")));
        var logs = new ListLoggerFactory();
        var provider = new TestServices().Add<ILoggerFactory>(logs);
        var node = (Libp2pNodeService)Assert.Single(services, s => s.ServiceType == typeof(Libp2pNodeService)).ImplementationFactory!(provider);
        await using var _ = node;
        await node.StartAsync(TestTimeout.Token());

        var status = Assert.IsType<Dictionary<string, object?>>(plugin.GetStatus());
        Assert.Equal(!psk, status["openMesh"]);
        Assert.Equal(psk, node.Network.PrivateNetwork);
        listener.RecordObservableInstruments();
        Assert.Equal(psk ? 0 : 1, gauge);
        // A swarm key others may read is named with the fix, but the agent still starts.
        var shared = logs.Logger.Entries.Where(e => e.Id.Id == 4015).ToList();
        if (pskMode is { } m && (m & UnixFileMode.OtherRead) != 0) Assert.Contains("chmod 600 " + config["pskFile"], Assert.Single(shared).Message, StringComparison.Ordinal);
        else Assert.Empty(shared);
        var warnings = logs.Logger.Entries.Where(e => e.Id.Id == 4014).ToList();
        if (psk) Assert.Empty(warnings);
        else
        {
            var warning = Assert.Single(warnings);
            Assert.Equal(LogLevel.Warning, warning.Level);
            Assert.StartsWith("open mesh: no pskFile is set", warning.Message, StringComparison.Ordinal);
            Assert.Contains("/ip4/127.0.0.1/tcp/", warning.Message, StringComparison.Ordinal);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class ListLoggerFactory : ILoggerFactory
    {
        public ListLogger<object> Logger { get; } = new();

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => Logger;

        public void Dispose()
        {
        }
    }
}
