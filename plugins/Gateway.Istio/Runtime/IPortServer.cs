namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>A listening gateway port. Its listener (servers, routes, certificates) is swapped atomically; connections under way keep theirs.</summary>
internal interface IPortServer : IAsyncDisposable
{
    /// <summary>The port.</summary>
    int Port { get; }

    /// <summary>What it serves; a port whose protocol changes is replaced, not updated.</summary>
    ServerProtocol Protocol { get; }

    /// <summary>Endpoints it is bound to.</summary>
    IReadOnlyList<string> Bound { get; }

    /// <summary>The listener in effect; new requests and connections use the one set last.</summary>
    GatewayListener Listener { get; set; }

    /// <summary>Stops accepting and lets open connections finish for <paramref name="drain"/> (or until <paramref name="now"/> fires), then closes them.</summary>
    Task StopAsync(TimeSpan drain, CancellationToken now = default);
}
