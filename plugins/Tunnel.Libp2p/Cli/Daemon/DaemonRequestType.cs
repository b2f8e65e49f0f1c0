namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli.Daemon;

/// <summary>Request types of the libp2p daemon control protocol (go-libp2p-daemon's <c>p2pd.pb.Request.Type</c>).</summary>
internal enum DaemonRequestType
{
    Identify = 0,
    Connect = 1,
    StreamOpen = 2,
    StreamHandler = 3,
    Dht = 4,
    ListPeers = 5,
    ConnManager = 6,
    Disconnect = 7,
    Pubsub = 8,
    Peerstore = 9,
}
