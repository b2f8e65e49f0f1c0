using System.Globalization;

namespace PluginMesh.Plugins.Dns.Mdns;

/// <summary>Parses <c>ip</c>, <c>ip:port</c> and <c>[v6]:port</c> as written in config and resolv.conf.</summary>
internal static class EndpointText
{
    /// <summary>Parses <paramref name="text"/>; a missing port means <paramref name="defaultPort"/>.</summary>
    /// <returns>The endpoint, or null with <paramref name="problem"/> set.</returns>
    public static IPEndPoint? Parse(string? text, int defaultPort, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "must not be empty; expected ip:port, e.g. 127.0.0.1:5353";
            return null;
        }

        var value = text.Trim();
        string host = value;
        string? port = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                problem = $"'{text}' has no closing ']'";
                return null;
            }
            host = value[1..close];
            var rest = value[(close + 1)..];
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    problem = $"'{text}' has text after ']' that is not ':port'";
                    return null;
                }
                port = rest[1..];
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            host = value[..colon];
            port = value[(colon + 1)..];
        }

        if (!IPAddress.TryParse(host, out var address) || host.Contains('%', StringComparison.Ordinal))
        {
            problem = $"'{text}' is not an IP address (host names are not accepted: DNS must not need DNS to start)";
            return null;
        }

        var number = defaultPort;
        if (port is not null && (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out number) || number > 65535))
        {
            problem = $"'{text}' has an invalid port '{port}' (0-65535)";
            return null;
        }
        return new IPEndPoint(address, number);
    }
}
