namespace PluginMesh.Plugins.Proxy.Socks5;

/// <summary>Configuration of <c>proxy.socks5</c> (section <c>plugins:proxy.socks5</c>).</summary>
/// <param name="Listen">SOCKS5 listen endpoints; empty: no listener, this agent only serves other agents' requests.</param>
/// <param name="AuthRequired">Whether clients must send a username and password (resolved from <c>auth</c>).</param>
/// <param name="CredentialsFile">The <c>user:password</c> file, or null.</param>
/// <param name="AllowedPorts">Ports of this node that other agents' SOCKS clients may reach.</param>
/// <param name="Serve">Whether this agent serves <c>/pluginmesh/socks-target/1.0.0</c> for other agents.</param>
/// <param name="ConnectTimeout">Bound on the SOCKS handshake, on opening the tunnel stream and on dialing the port.</param>
/// <param name="MaxConnections">SOCKS connections open at once; more are closed at accept and counted.</param>
public sealed record Socks5Options(
    IReadOnlyList<IPEndPoint> Listen,
    bool AuthRequired,
    string? CredentialsFile,
    IReadOnlySet<int> AllowedPorts,
    bool Serve,
    TimeSpan ConnectTimeout,
    int MaxConnections)
{
    /// <summary>The agent's own address (the DNS plugin's interface), reachable only from this host and its pods.</summary>
    public static readonly IPAddress AgentAddress = IPAddress.Parse("169.254.96.16");

    /// <summary>Default listen endpoint as root, as EdgeMesh's.</summary>
    public static readonly IPEndPoint PrivilegedListen = new(AgentAddress, 10800);

    /// <summary>Default listen endpoint otherwise (no agent interface without root).</summary>
    public static readonly IPEndPoint UnprivilegedListen = new(IPAddress.Loopback, 10800);

    private static readonly string[] Keys = ["enabled", "listen", "auth", "credentialsFile", "allowedPorts", "serve", "connectTimeoutSeconds", "maxConnections"];

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    /// <param name="section">The plugin's section.</param>
    /// <param name="dataDirectory">Base of a relative <c>credentialsFile</c>.</param>
    /// <param name="isRoot">Decides the default listen address.</param>
    /// <param name="error">Where problems go.</param>
    public static Socks5Options Read(IConfiguration section, string dataDirectory, bool isRoot, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys.Skip(1))}");
        }

        var listen = section.GetSection("listen").Exists() ? ReadEndpoints(section.GetSection("listen"), error) : [isRoot ? PrivilegedListen : UnprivilegedListen];

        var auth = Socks5AuthMode.Auto;
        if (section["auth"] is { } rawAuth && !Enum.TryParse(rawAuth, ignoreCase: true, out auth) || !Enum.IsDefined(auth))
            error("auth", $"'{section["auth"]}' is not auto, on or off");

        var credentials = section["credentialsFile"] is { Length: > 0 } file ? Path.GetFullPath(file, dataDirectory) : null;
        var beyondLocal = listen.FirstOrDefault(e => !IsLocal(e.Address));
        var required = auth == Socks5AuthMode.On || auth == Socks5AuthMode.Auto && (credentials is not null || beyondLocal is not null);
        if (required && credentials is null)
        {
            error("credentialsFile", auth == Socks5AuthMode.On
                ? "required with auth: on (a file of user:password lines, mode 0600)"
                : $"required because listen {beyondLocal} is beyond loopback and {AgentAddress}: give a file of user:password lines (mode 0600), or auth: off to let anyone who reaches it in");
        }

        var ports = new SortedSet<int>();
        var portsSection = section.GetSection("allowedPorts");
        if (!portsSection.Exists()) ports.Add(22);
        else
        {
            // One value (allowedPorts: 22) or a list; an empty value means none.
            var entries = portsSection.Value is { } single ? (single.Length == 0 ? [] : [("allowedPorts", single)])
                : portsSection.GetChildren().Select(c => ($"allowedPorts:{c.Key}", c.Value ?? "")).ToList();
            foreach (var (key, raw) in entries)
            {
                if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536) ports.Add(port);
                else error(key, $"'{raw}' is not a TCP port (1-65535)");
            }
        }

        return new Socks5Options(listen, required, credentials, ports,
            ConfigValues.Bool(section, "serve", true, error),
            TimeSpan.FromSeconds(ConfigValues.WholeNumber(section, "connectTimeoutSeconds", 10, 1, 300, error)),
            ConfigValues.WholeNumber(section, "maxConnections", 256, 1, 65536, error));
    }

    /// <summary>Loopback or the agent's own 169.254.96.16: reachable only from this host (and its pods).</summary>
    public static bool IsLocal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return IPAddress.IsLoopback(address) || address.Equals(AgentAddress) || address.IsIPv4MappedToIPv6 && IsLocal(address.MapToIPv4());
    }

    private static List<IPEndPoint> ReadEndpoints(IConfigurationSection listen, Action<string, string> error)
    {
        // One value (listen: 127.0.0.1:10800), a list, or an empty value for no listener.
        var entries = listen.Value is { } single ? (single.Length == 0 ? [] : [("listen", single)])
            : listen.GetChildren().Select(c => ($"listen:{c.Key}", c.Value ?? "")).ToList();
        var result = new List<IPEndPoint>();
        foreach (var (key, raw) in entries)
        {
            var withPort = raw.StartsWith('[') ? raw.Contains("]:", StringComparison.Ordinal) : raw.Count(c => c == ':') == 1;
            if (!withPort || !IPEndPoint.TryParse(raw, out var endpoint))
                error(key, $"'{raw}' is not ip:port (IPv6 as [addr]:port; port 0 picks a free one)");
            else if (result.Contains(endpoint) && endpoint.Port != 0) error(key, $"{endpoint} is listed twice");
            else result.Add(endpoint);
        }
        return result;
    }
}
