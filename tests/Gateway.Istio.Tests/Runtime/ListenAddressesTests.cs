using PluginMesh.Plugins.Gateway.Istio.Runtime;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

public sealed class ListenAddressesTests
{
    private static readonly (string, IReadOnlyList<IPAddress>)[] Interfaces =
    [
        ("lo", [IPAddress.Loopback, IPAddress.IPv6Loopback]),
        ("eth0", [IPAddress.Parse("10.0.0.5"), IPAddress.Parse("fe80::1")]),
        ("eth1", [IPAddress.Parse("192.168.1.5")]),
        ("wlan0", [IPAddress.Parse("172.16.0.9")]),
    ];

    [Fact]
    public void AllIncluded_NoneExcluded_IsTheWildcard() =>
        Assert.Empty(ListenAddresses.Resolve(["*"], [], Interfaces));

    [Fact]
    public void Patterns_IncludeThenExclude_LinkLocalLeftOut()
    {
        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("192.168.1.5")], ListenAddresses.Resolve(["eth*"], [], Interfaces));
        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("172.16.0.9")], ListenAddresses.Resolve(["*"], ["lo", "eth1"], Interfaces));
        Assert.Empty(ListenAddresses.Resolve(["docker*"], [], Interfaces));
    }
}
