namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>The <c>socks5</c> section of <c>/status</c> and <c>pluginmesh status</c>.</summary>
/// <param name="Listeners">Each configured listen endpoint, whether it is bound, and why not.</param>
/// <param name="Authentication">True when clients must send a username and password.</param>
/// <param name="CredentialsFile">The credentials file, or null.</param>
/// <param name="CredentialsUsers">Usernames accepted.</param>
/// <param name="CredentialsProblem">Why the last read of the file failed (the last good pairs stay in effect), or null.</param>
/// <param name="Serving">True when this agent serves other agents' requests for its own ports.</param>
/// <param name="AllowedPorts">Ports of this node other agents' clients may reach.</param>
/// <param name="Active">SOCKS connections open now.</param>
/// <param name="Connections">SOCKS connections since start by result (reply code or handshake outcome).</param>
/// <param name="Served">Requests of other agents since start by result.</param>
/// <param name="BytesUp">Bytes relayed client → node.</param>
/// <param name="BytesDown">Bytes relayed node → client.</param>
public sealed record Socks5Status(
    IReadOnlyList<Socks5ListenerStatus> Listeners,
    bool Authentication,
    string? CredentialsFile,
    int CredentialsUsers,
    string? CredentialsProblem,
    bool Serving,
    IReadOnlyList<int> AllowedPorts,
    long Active,
    IReadOnlyDictionary<string, long> Connections,
    IReadOnlyDictionary<string, long> Served,
    long BytesUp,
    long BytesDown);

/// <summary>One listen endpoint.</summary>
/// <param name="Endpoint">As configured.</param>
/// <param name="Bound">The bound endpoint (its port when 0 was configured), or null while not listening.</param>
/// <param name="Error">Why it is not listening, or null.</param>
public sealed record Socks5ListenerStatus(string Endpoint, string? Bound, string? Error);
