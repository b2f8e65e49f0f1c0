namespace PluginMesh.Plugins.Gateway.Istio;

/// <summary>Configuration of <c>gateway.istio</c> (section <c>plugins:gateway.istio</c>).</summary>
/// <param name="GatewayLabels">The labels this gateway answers to: a Gateway whose <c>spec.selector</c> is a subset of them is served here.</param>
/// <param name="IncludeInterfaces">Interface names (<c>*</c> wildcards) whose addresses the listeners bind; <c>*</c> alone means every address (the wildcard address).</param>
/// <param name="ExcludeInterfaces">Interface names (<c>*</c> wildcards) left out.</param>
/// <param name="SecretNamespace">Namespace of TLS Secrets (<c>credentialName</c>), or null for the Gateway's own namespace (Secrets of every namespace are read).</param>
/// <param name="ClusterDomain">Cluster DNS domain of destination hosts.</param>
/// <param name="AccessLog">Where the access log goes: null (off), <c>stdout</c>, or a file path.</param>
/// <param name="MaxConnections">Connections open at once per port; more are closed as soon as they are accepted.</param>
/// <param name="MaxRequestBodyBytes">Largest request body forwarded (413 beyond it), or null for no limit.</param>
/// <param name="MaxRequestHeadersBytes">Largest request header block (431 beyond it).</param>
/// <param name="RequestHeadersTimeout">Time a client has to send its request headers.</param>
/// <param name="DrainTimeout">How long a removed listener's open connections may finish before they are closed.</param>
public sealed record GatewayOptions(
    IReadOnlyDictionary<string, string> GatewayLabels,
    IReadOnlyList<string> IncludeInterfaces,
    IReadOnlyList<string> ExcludeInterfaces,
    string? SecretNamespace,
    string ClusterDomain,
    string? AccessLog,
    int MaxConnections,
    long? MaxRequestBodyBytes,
    int MaxRequestHeadersBytes,
    TimeSpan RequestHeadersTimeout,
    TimeSpan DrainTimeout)
{
    /// <summary>Istio's default ingress gateway selector.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["istio"] = "ingressgateway" };

    /// <summary>The <c>accessLog</c> value that writes to standard output.</summary>
    public const string Stdout = "stdout";

    private static readonly string[] Keys =
    [
        "enabled", "gatewayLabels", "includeInterfaces", "excludeInterfaces", "secretNamespace", "clusterDomain", "accessLog",
        "maxConnections", "maxRequestBodyBytes", "maxRequestHeadersBytes", "requestHeadersTimeoutSeconds", "drainTimeoutSeconds",
    ];

    /// <summary>Reads the section, reporting every problem through <paramref name="error"/> (key, message).</summary>
    /// <param name="section">The plugin's section.</param>
    /// <param name="dataDirectory">Base of a relative <c>accessLog</c> path; null while validating.</param>
    /// <param name="error">Where problems go.</param>
    public static GatewayOptions Read(IConfiguration section, string? dataDirectory, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
                error(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys.Skip(1))}");
        }

        var labels = ReadLabels(section.GetSection("gatewayLabels"), error);
        var include = ReadNames(section.GetSection("includeInterfaces"), ["*"], error);
        var exclude = ReadNames(section.GetSection("excludeInterfaces"), [], error);
        if (include.Count == 0) error("includeInterfaces", "is empty: the gateway would listen nowhere (leave it out for every address)");

        var secretNamespace = section["secretNamespace"] is { Length: > 0 } ns ? ns : null;
        if (secretNamespace is not null && !IsDnsLabel(secretNamespace)) error("secretNamespace", $"'{secretNamespace}' is not a namespace name (lower-case letters, digits and '-')");
        var domain = (section["clusterDomain"] ?? "cluster.local").TrimEnd('.');
        if (domain.Length == 0 || !domain.Split('.').All(IsDnsLabel)) error("clusterDomain", $"'{section["clusterDomain"]}' is not a DNS domain");

        string? accessLog = Stdout;
        if (section["accessLog"] is { } rawLog)
        {
            accessLog = rawLog.Trim() switch
            {
                "" or "off" or "false" => null,
                "on" or "true" or Stdout => Stdout,
                var path => Path.GetFullPath(path, dataDirectory ?? "/"),
            };
        }

        long? maxBody = 10L * 1024 * 1024;
        if (section["maxRequestBodyBytes"] is { } rawBody)
        {
            if (rawBody is "unlimited" or "0") maxBody = null;
            else if (long.TryParse(rawBody, NumberStyles.None, CultureInfo.InvariantCulture, out var body) && body > 0) maxBody = body;
            else error("maxRequestBodyBytes", $"'{rawBody}' is not a positive number of bytes (or 0 / unlimited for no limit)");
        }

        return new GatewayOptions(labels, include, exclude, secretNamespace, domain, accessLog,
            ConfigValues.Int(section, "maxConnections", 4096, 1, 1_000_000, error),
            maxBody,
            ConfigValues.Int(section, "maxRequestHeadersBytes", 32 * 1024, 1024, 1024 * 1024, error),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "requestHeadersTimeoutSeconds", 30, 1, 600, error)),
            TimeSpan.FromSeconds(ConfigValues.Int(section, "drainTimeoutSeconds", 30, 0, 3600, error)));
    }

    private static Dictionary<string, string> ReadLabels(IConfigurationSection section, Action<string, string> error)
    {
        if (!section.Exists()) return new(DefaultLabels, StringComparer.Ordinal);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (section.Value is { Length: > 0 } scalar)
        {
            error("gatewayLabels", $"'{scalar}' is not a map of labels (e.g. {{istio: ingressgateway}})");
            return labels;
        }
        foreach (var child in section.GetChildren())
        {
            if (child.Value is null || child.GetChildren().Any()) error($"gatewayLabels:{child.Key}", "a label value must be a string");
            else if (child.Key.Length is 0 or > 317 || child.Value.Length > 63) error($"gatewayLabels:{child.Key}", $"'{child.Key}: {child.Value}' is not a Kubernetes label");
            else labels[child.Key] = child.Value;
        }
        return labels;
    }

    private static List<string> ReadNames(IConfigurationSection section, List<string> fallback, Action<string, string> error)
    {
        if (!section.Exists()) return fallback;
        // One value (includeInterfaces: eth0), a list, or an empty value for none.
        var entries = section.Value is { } single ? (single.Length == 0 ? [] : [(section.Key, single)])
            : section.GetChildren().Select(c => ($"{section.Key}:{c.Key}", c.Value ?? "")).ToList();
        var names = new List<string>();
        foreach (var (key, raw) in entries)
        {
            if (raw.Length is 0 or > 64 || raw.Any(c => char.IsWhiteSpace(c) || c == '/')) error(key, $"'{raw}' is not an interface name or pattern (e.g. eth0, wlan*, *)");
            else names.Add(raw);
        }
        return names;
    }

    private static bool IsDnsLabel(string s) =>
        s.Length is > 0 and <= 63 && s.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-') && s[0] != '-' && s[^1] != '-';
}
