using System.Net;

namespace PluginMesh.Abstractions.Catalog;

/// <summary>
/// Resolves the host names Istio objects use for a Service (a DestinationRule's <c>spec.host</c>, a
/// VirtualService destination's <c>host</c>) to a <see cref="ServiceKey"/>: <c>reviews</c> (in the
/// object's own namespace), <c>reviews.demo</c>, <c>reviews.demo.svc</c> or <c>reviews.demo.svc.&lt;cluster domain&gt;</c>.
/// One rule for every plugin that reads such objects.
/// </summary>
public static class ServiceHostName
{
    /// <summary>
    /// Resolves <paramref name="host"/>. Wildcards, IP addresses, malformed names and names outside the
    /// cluster are refused with the reason in <paramref name="problem"/>.
    /// </summary>
    /// <param name="host">The name as written (case and a trailing dot do not matter).</param>
    /// <param name="objectNamespace">Namespace of the object that names it: where a one-label name lives.</param>
    /// <param name="clusterDomain">
    /// The cluster's DNS domain (<c>cluster.local</c>): a name longer than <c>svc</c> must end in it. Null
    /// accepts any domain after <c>svc</c> (for a reader that does not know the cluster's).
    /// </param>
    /// <param name="service">The Service, when resolved.</param>
    /// <param name="problem">Why not, when refused.</param>
    public static bool TryResolve(string host, string objectNamespace, string? clusterDomain, out ServiceKey? service, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(host);
        service = null;
        problem = null;
        var h = host.Trim().TrimEnd('.').ToLowerInvariant();
        if (h.Contains('*', StringComparison.Ordinal))
        {
            problem = $"wildcard host: '{host}' (not supported; name one service)";
            return false;
        }

        if (IPAddress.TryParse(h, out _))
        {
            problem = $"host outside the cluster: '{host}'";
            return false;
        }

        var labels = h.Split('.');
        if (!labels.All(IsDnsLabel))
        {
            problem = $"malformed host: '{host}'";
            return false;
        }

        switch (labels.Length)
        {
            case 1:
                service = new ServiceKey(objectNamespace, labels[0]);
                return true;
            case 2:
                service = new ServiceKey(labels[1], labels[0]);
                return true;
            default:
                var domain = string.Join('.', labels.Skip(3));
                var expected = clusterDomain?.Trim().TrimEnd('.').ToLowerInvariant();
                if (labels[2] != "svc" || (labels.Length > 3 && expected is not null && domain != expected))
                {
                    var suffix = expected is null ? "[.<cluster domain>]" : $"[.{expected}]";
                    problem = $"host outside the cluster: '{host}' (not <service>.<namespace>.svc{suffix})";
                    return false;
                }

                service = new ServiceKey(labels[1], labels[0]);
                return true;
        }
    }

    private static bool IsDnsLabel(string label) =>
        label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' &&
        label.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
