using System.Text.Json;
using PluginMesh.Cli.Commands;

namespace PluginMesh.Host.Tests.Cli.Commands;

/// <summary>The LOCAL column of <c>pluginmesh services</c> is read from the proxy's <c>/status</c> section as proxy.iptables writes it.</summary>
public sealed class ServicesCommandTests
{
    // The shape of plugins/Proxy.Iptables/Status/*.cs serialised with the admin endpoint's (camelCase) options.
    private const string ListenMode = """
        {
          "mode": "listen", "running": true, "rules": null, "tunnelServing": true, "activeConnections": 0,
          "services": [
            { "service": "demo/dns-echo", "clusterIps": ["10.96.0.53"], "ports": [
                { "port": 53, "protocol": "tcp", "listenPort": 40001, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [] },
                { "port": 53, "protocol": "udp", "listenPort": 40002, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [] } ] },
            { "service": "demo/web", "clusterIps": ["10.96.0.10"], "ports": [
                { "port": 80, "protocol": "tcp", "listenPort": 40003, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [] } ] },
            { "service": "demo/unbound", "clusterIps": ["10.96.0.11"], "ports": [
                { "port": 80, "protocol": "tcp", "listenPort": null, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [] } ] }
          ]
        }
        """;

    // A NodePort service (Local policy) and one with an external IP only, in iptables mode.
    private const string IptablesExternal = """
        {
          "mode": "iptables", "running": true, "tunnelServing": true, "activeConnections": 0,
          "services": [
            { "service": "demo/edge", "clusterIps": ["10.96.0.20"], "ports": [
                { "port": 80, "protocol": "tcp", "listenPort": 15001, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [], "external": false, "nodePort": null, "localOnly": false },
                { "port": 80, "protocol": "tcp", "listenPort": 15001, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [], "external": true, "nodePort": 30080, "localOnly": true } ] },
            { "service": "demo/vip", "clusterIps": ["10.96.0.21"], "externalIps": ["192.168.1.200"], "healthCheck": {"port": 32100, "localEndpoints": 0, "answered": 3}, "ports": [
                { "port": 80, "protocol": "tcp", "listenPort": 15001, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [], "external": false, "nodePort": null, "localOnly": false },
                { "port": 80, "protocol": "tcp", "listenPort": 15001, "loadBalancer": "RoundRobin", "connections": 0, "bytesIn": 0, "bytesOut": 0, "dialFailures": 0, "endpoints": [], "external": true, "nodePort": null, "localOnly": false } ] }
          ]
        }
        """;

    [Fact]
    public void LocalPorts_ListenMode_ByServiceName_EachBoundPort()
    {
        using var doc = JsonDocument.Parse(ListenMode);
        var local = ServicesCommand.LocalPorts(doc.RootElement);
        Assert.Equal("80/tcp->40003", local["demo/web"]);
        Assert.Equal("53/tcp->40001,53/udp->40002", local["demo/dns-echo"]);
        Assert.False(local.ContainsKey("demo/unbound")); // no listener (yet): the column shows '-'
    }

    [Fact]
    public void LocalPorts_IptablesMode_AndNoProxy_AreEmpty()
    {
        using var iptables = JsonDocument.Parse(ListenMode.Replace("\"mode\": \"listen\"", "\"mode\": \"iptables\"", StringComparison.Ordinal));
        Assert.Empty(ServicesCommand.LocalPorts(iptables.RootElement));
        Assert.Empty(ServicesCommand.LocalPorts(default));
    }

    [Fact]
    public void LocalPorts_NodePortsAndExternalIps_ShownInBothModes()
    {
        using var doc = JsonDocument.Parse(IptablesExternal);
        var local = ServicesCommand.LocalPorts(doc.RootElement);
        Assert.Equal("80/tcp->30080 (node port, local)", local["demo/edge"]);
        Assert.Equal("192.168.1.200:80/tcp (external IP),32100 (health check: 503)", local["demo/vip"]);

        using var listen = JsonDocument.Parse(IptablesExternal.Replace("\"mode\": \"iptables\"", "\"mode\": \"listen\"", StringComparison.Ordinal));
        Assert.Equal("80/tcp->15001,80/tcp->30080 (node port, local)", ServicesCommand.LocalPorts(listen.RootElement)["demo/edge"]);
    }
}
