namespace PluginMesh.Abstractions.Plugins;

/// <summary>Well-known capability names used in <see cref="PluginDescriptor"/> for start ordering.</summary>
public static class Capabilities
{
    /// <summary>Persistent state (<see cref="Cache.IStateCache"/>, and the catalog's share of it, <see cref="Cache.ICatalogCache"/>).</summary>
    public const string Cache = "cache";
    /// <summary>A source of services/endpoints/nodes (<see cref="Catalog.ICatalogSource"/>).</summary>
    public const string CatalogSource = "catalog.source";
    /// <summary>The peer-to-peer tunnel (<see cref="Tunnel.IMeshTunnel"/>).</summary>
    public const string Tunnel = "tunnel";
    /// <summary>A way to carry connections (<see cref="Tunnel.ITransport"/>).</summary>
    public const string Transport = "transport";
    /// <summary>Relay hop service for other peers.</summary>
    public const string Relay = "relay";
    /// <summary>The node directory (<see cref="Directory.INodeDirectory"/>).</summary>
    public const string Directory = "directory";
    /// <summary>Peer discovery (<see cref="Discovery.IPeerDiscovery"/>).</summary>
    public const string Discovery = "discovery";
    /// <summary>Node-local DNS (<see cref="Dns.IDnsResponder"/>).</summary>
    public const string Dns = "dns";
    /// <summary>Traffic interception and forwarding (<see cref="Interception.ITrafficInterceptor"/>).</summary>
    public const string Intercept = "intercept";
    /// <summary>A proxy into other nodes' own hosts through the tunnel (SOCKS5 to a node name, e.g. for SSH).</summary>
    public const string NodeProxy = "node-proxy";
    /// <summary>Connections to services with the proxy's balancing and failover (<see cref="Interception.IServiceConnector"/>).</summary>
    public const string ServiceConnector = "service-connector";
    /// <summary>An ingress gateway: traffic from outside the cluster into its services (Istio Gateway and VirtualService).</summary>
    public const string Gateway = "gateway";
}
