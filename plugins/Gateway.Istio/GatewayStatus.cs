namespace PluginMesh.Plugins.Gateway.Istio;

/// <summary>The <c>gateway</c> section of <c>/status</c> and <c>pluginmesh status</c>.</summary>
/// <param name="ConfigVersion">Catalog version of the configuration in effect.</param>
/// <param name="GatewayLabels">The labels this gateway answers to.</param>
/// <param name="Connector">False when no service connector runs on this node (every request gets 503).</param>
/// <param name="Listeners">Each port of the configuration: protocol, where it is bound or why not, servers and routes.</param>
/// <param name="Warnings">Problems of the configuration (objects skipped, Secrets missing), each naming the object.</param>
/// <param name="Active">Client connections open now.</param>
/// <param name="Requests">HTTP requests since start by route, then status class.</param>
/// <param name="Streams">TCP/TLS connections since start by route, then result.</param>
/// <param name="Retries">Tries made again since start.</param>
/// <param name="HandshakeFailures">TLS handshakes that did not complete since start.</param>
/// <param name="AccessLog">Where the access log goes (<c>stdout</c>, a path), or null when off.</param>
/// <param name="AccessLogDropped">Access log lines dropped since start.</param>
/// <param name="Mirrors">Mirrored copies since start by route, then result (<c>sent</c>, <c>failed</c>, <c>skipped_body</c>).</param>
public sealed record GatewayStatus(
    long ConfigVersion,
    IReadOnlyDictionary<string, string> GatewayLabels,
    bool Connector,
    IReadOnlyList<GatewayListenerStatus> Listeners,
    IReadOnlyList<string> Warnings,
    long Active,
    IReadOnlyDictionary<string, SortedDictionary<string, long>> Requests,
    IReadOnlyDictionary<string, SortedDictionary<string, long>> Streams,
    long Retries,
    long HandshakeFailures,
    string? AccessLog,
    long AccessLogDropped,
    IReadOnlyDictionary<string, SortedDictionary<string, long>>? Mirrors = null);

/// <summary>One port.</summary>
/// <param name="Port">The port.</param>
/// <param name="Protocol">HTTP, HTTPS, TCP or TLS.</param>
/// <param name="Bound">Endpoints bound, empty while not listening.</param>
/// <param name="Error">Why it is not listening, or null.</param>
/// <param name="Servers">Gateway servers on the port.</param>
/// <param name="Routes">Routes (<c>name → service:port weight, …</c>) in match order.</param>
public sealed record GatewayListenerStatus(int Port, string Protocol, IReadOnlyList<string> Bound, string? Error,
    IReadOnlyList<GatewayServerStatus> Servers, IReadOnlyList<string> Routes);

/// <summary>One Gateway server.</summary>
/// <param name="Gateway">The Gateway (<c>namespace/name</c>).</param>
/// <param name="Name">The server's port name.</param>
/// <param name="Hosts">Hosts it serves.</param>
/// <param name="Tls">SIMPLE, MUTUAL, PASSTHROUGH, or null.</param>
/// <param name="Certificate">The certificate served, or null.</param>
public sealed record GatewayServerStatus(string Gateway, string Name, IReadOnlyList<string> Hosts, string? Tls, GatewayCertificateStatus? Certificate);

/// <summary>A server certificate.</summary>
/// <param name="Secret">The Secret it came from.</param>
/// <param name="Subject">Its subject.</param>
/// <param name="Fingerprint">SHA-256 (tells a rotation).</param>
/// <param name="NotAfter">When it expires.</param>
/// <param name="ClientCa">CA certificates for client certificates.</param>
public sealed record GatewayCertificateStatus(string Secret, string Subject, string Fingerprint, DateTimeOffset NotAfter, int ClientCa);
