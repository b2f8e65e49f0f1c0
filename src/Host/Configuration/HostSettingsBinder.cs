using System.Numerics;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Configuration;

/// <summary>
/// Binds and validates the host's own sections, collecting every problem with its path rather than
/// stopping at the first one.
/// </summary>
internal static partial class HostSettingsBinder
{
    private static readonly Dictionary<string, string[]> KnownKeys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["node"] = ["name", "dataDir", "policiesDir", "pluginDirs", "defaultPlugins"],
        ["profile"] = [],
        ["profiles"] = ["*"],
        ["admin"] = ["listen"],
        ["telemetry"] = ["serviceName", "otlp", "prometheus"],
        ["logging"] = ["level", "format"],
        ["policies"] = ["timeLimitMs", "maxStatements", "memoryLimitBytes", "recursionLimit"],
        ["shutdownTimeoutMs"] = [],
        ["plugins"] = ["*"],
    };

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();

    [GeneratedRegex("^[a-z0-9]+(?:[.-][a-z0-9]+)*$")]
    private static partial Regex PluginIdPattern();

    public static HostSettings Bind(IConfiguration config, List<ConfigProblem> problems)
    {
        CheckUnknownKeys(config, problems);

        var nodeName = config["node:name"];
        if (string.IsNullOrWhiteSpace(nodeName)) nodeName = Environment.MachineName.ToLowerInvariant();
        else if (!NodeNamePattern().IsMatch(nodeName)) problems.Add(new("node.name", $"'{nodeName}' is not a valid node name (lower-case letters, digits, '-' and '.', at most 253)"));

        var dataDir = config["node:dataDir"];
        if (string.IsNullOrWhiteSpace(dataDir)) dataDir = DefaultDataDir();
        else if (!Path.IsPathRooted(dataDir)) problems.Add(new("node.dataDir", $"'{dataDir}' must be an absolute path"));

        var policiesDir = config["node:policiesDir"];
        if (!string.IsNullOrWhiteSpace(policiesDir) && !Path.IsPathRooted(policiesDir))
            problems.Add(new("node.policiesDir", $"'{policiesDir}' must be an absolute path"));

        var pluginDirs = PluginDirs(config.GetSection("node:pluginDirs"), problems);

        var profile = config["profile"] ?? "default";
        var profiles = config.GetSection("profiles");
        var profilePlugins = new List<string>();
        foreach (var (p, item) in profiles.GetChildren().SelectMany(p => p.GetChildren(), (p, item) => (p, item)))
        {
            if (item.Value is null || !PluginIdPattern().IsMatch(item.Value))
                problems.Add(new(ConfigPath.Join("profiles." + p.Key, item.Key), $"'{item.Value}' is not a plugin id"));
        }
        var chosen = profiles.GetSection(profile);
        // A profile written as [] is defined and empty: it has a key but neither value nor children.
        var defined = profiles.GetChildren().Any(c => string.Equals(c.Key, profile, StringComparison.OrdinalIgnoreCase));
        if (!defined && profile != "none") problems.Add(new("profile", $"unknown profile '{profile}' (known: {string.Join(", ", profiles.GetChildren().Select(c => c.Key))})"));
        else profilePlugins.AddRange(chosen.GetChildren().Select(c => c.Value).OfType<string>().Select(v => v.ToLowerInvariant()));

        var admin = ParseAdmin(config["admin:listen"] ?? "", problems);

        var endpointText = config["telemetry:otlp:endpoint"];
        Uri? endpoint = null;
        if (!string.IsNullOrWhiteSpace(endpointText))
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                problems.Add(new("telemetry.otlp.endpoint", $"'{endpointText}' is not an http(s) URL"));
                endpoint = null;
            }
        }
        var protocol = OneOf(config, "telemetry:otlp:protocol", ["http/protobuf", "grpc"], problems);
        var interval = Number(config, "telemetry:otlp:exportIntervalMs", 15000, 1000, 3_600_000, problems);

        var levelText = config["logging:level"] ?? "Information";
        if (!Enum.TryParse<LogLevel>(levelText, true, out var level) || level == LogLevel.None && !levelText.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new("logging.level", $"'{levelText}' is not one of Trace, Debug, Information, Warning, Error, Critical, None"));
            level = LogLevel.Information;
        }
        var format = OneOf(config, "logging:format", ["text", "json"], problems);

        foreach (var section in config.GetSection("plugins").GetChildren())
        {
            if (!PluginIdPattern().IsMatch(section.Key)) problems.Add(new("plugins." + section.Key, "not a plugin id (lower-case words joined by '.' or '-')"));
        }

        return new HostSettings(
            new NodeSettings(nodeName, dataDir, policiesDir ?? "") { AdminPort = admin.Tcp?.Port },
            profile,
            profilePlugins,
            admin,
            config["telemetry:serviceName"] is { Length: > 0 } sn ? sn : "pluginmesh",
            new OtlpSettings(endpoint, protocol, interval),
            level,
            format == "json",
            Number(config, "policies:timeLimitMs", 100, 1, 10_000, problems),
            Number(config, "policies:maxStatements", 100_000, 100, 100_000_000, problems),
            Number(config, "policies:memoryLimitBytes", 16L << 20, 1L << 20, 1L << 30, problems),
            Number(config, "policies:recursionLimit", 64, 4, 4096, problems),
            TimeSpan.FromMilliseconds(Number(config, "shutdownTimeoutMs", 10_000, 100, 300_000, problems)))
        {
            PrometheusEnabled = Bool(config, "telemetry:prometheus:enabled", false, problems),
            PluginDirectories = pluginDirs,
            DefaultPlugins = Bool(config, "node:defaultPlugins", true, problems),
        };
    }

    /// <summary><c>node.pluginDirs</c>: a list of absolute paths, or one path written as a plain string.</summary>
    private static List<string> PluginDirs(IConfigurationSection section, List<ConfigProblem> problems)
    {
        List<(string Path, string Value)> items = section.Value is { Length: > 0 } one
            ? [("node.pluginDirs", one)]
            : section.GetChildren().Select(c => ($"node.pluginDirs[{c.Key}]", c.Value ?? "")).ToList();
        var dirs = new List<string>();
        foreach (var (path, value) in items)
        {
            if (!Path.IsPathRooted(value)) problems.Add(new(path, $"'{value}' must be an absolute path"));
            else dirs.Add(value);
        }
        return dirs;
    }

    internal static AdminListen ParseAdmin(string text, List<ConfigProblem> problems)
    {
        var fallback = new AdminListen(new IPEndPoint(IPAddress.Loopback, 9464), null);
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = text["unix:".Length..];
            if (!Path.IsPathRooted(path)) { problems.Add(new("admin.listen", $"'{text}': the unix socket path must be absolute")); return fallback; }
            return new AdminListen(null, path);
        }
        if (!IPEndPoint.TryParse(text, out var ep) || ep.Port == 0 && !text.EndsWith(":0", StringComparison.Ordinal))
        {
            problems.Add(new("admin.listen", $"'{text}' is not <loopback ip>:<port> or unix:<path>"));
            return fallback;
        }
        if (!IPAddress.IsLoopback(ep.Address))
        {
            problems.Add(new("admin.listen", $"'{text}' is not a loopback address: the admin endpoint is local only"));
            return fallback;
        }
        return new AdminListen(ep, null);
    }

    private static void CheckUnknownKeys(IConfiguration config, List<ConfigProblem> problems)
    {
        foreach (var top in config.GetChildren())
        {
            if (!KnownKeys.TryGetValue(top.Key, out var children)) { problems.Add(Unknown(top.Key, KnownKeys.Keys)); continue; }
            if (children is ["*"]) continue;
            CheckChildren(top, top.Key + ".", children, problems);
        }
        CheckChildren(config.GetSection("telemetry:otlp"), "telemetry.otlp.", ["endpoint", "protocol", "exportIntervalMs"], problems);
        CheckChildren(config.GetSection("telemetry:prometheus"), "telemetry.prometheus.", ["enabled"], problems);
    }

    private static void CheckChildren(IConfigurationSection section, string prefix, string[] known, List<ConfigProblem> problems)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) problems.Add(Unknown(prefix + child.Key, known));
        }
    }

    private static ConfigProblem Unknown(string path, IEnumerable<string> known) => new(path, $"unknown key; expected one of: {string.Join(", ", known)}");

    // An empty value is the default here, as if the key were absent; otherwise as the plugins' readers read it.
    private static T Number<T>(IConfiguration config, string key, T fallback, T min, T max, List<ConfigProblem> problems) where T : IBinaryInteger<T> =>
        string.IsNullOrEmpty(config[key]) ? fallback : ConfigValues.WholeNumber(config, key, fallback, min, max, Report(problems));

    private static bool Bool(IConfiguration config, string key, bool fallback, List<ConfigProblem> problems) =>
        string.IsNullOrEmpty(config[key]) ? fallback : ConfigValues.Bool(config, key, fallback, Report(problems));

    private static Action<string, string> Report(List<ConfigProblem> problems) => (key, message) => problems.Add(new(ConfigPath.Format(key), message));

    /// <summary>The key's value, which must be one of <paramref name="allowed"/>; absent means the first.</summary>
    private static string OneOf(IConfiguration config, string key, string[] allowed, List<ConfigProblem> problems)
    {
        var text = config[key] ?? allowed[0];
        if (!allowed.Contains(text, StringComparer.Ordinal)) problems.Add(new(ConfigPath.Format(key), $"'{text}' is not one of {string.Join(", ", allowed)}"));
        return text;
    }

    internal static string DefaultDataDir()
    {
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root") return "/var/lib/pluginmesh";
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var baseDir = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share") : xdg;
        return Path.Combine(baseDir, "pluginmesh");
    }
}
