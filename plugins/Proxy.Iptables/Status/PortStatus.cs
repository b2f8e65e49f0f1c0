namespace PluginMesh.Plugins.Proxy.Iptables.Status;

/// <summary>One service port.</summary>
/// <param name="Port">Service port.</param>
/// <param name="Protocol"><c>tcp</c> or <c>udp</c>.</param>
/// <param name="ListenPort">Local port serving it (the shared TCP port in iptables mode), or null.</param>
/// <param name="LoadBalancer">Policy in use.</param>
/// <param name="Connections">Connections (TCP) or sessions (UDP) established.</param>
/// <param name="BytesIn">Bytes client→endpoint.</param>
/// <param name="BytesOut">Bytes endpoint→client.</param>
/// <param name="DialFailures">Failed dials.</param>
/// <param name="Endpoints">Ready endpoints (for an external entry with <paramref name="LocalOnly"/>, this node's only).</param>
/// <param name="External">True for the entry serving the node port and external IPs.</param>
/// <param name="NodePort">The node port it serves, or null.</param>
/// <param name="LocalOnly">True when <c>externalTrafficPolicy: Local</c> limits it to this node's endpoints.</param>
public sealed record PortStatus(int Port, string Protocol, int? ListenPort, string LoadBalancer, long Connections, long BytesIn, long BytesOut, long DialFailures,
    IReadOnlyList<EndpointStatus> Endpoints, bool External = false, int? NodePort = null, bool LocalOnly = false);
