namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>
/// Two network namespaces joined by a veth pair (a private LAN), so multicast never reaches the
/// real interfaces. A: <c>lana</c> 10.77.0.1/24, B: <c>lanb</c> 10.77.0.2/24 (+ 10.77.0.3 for a
/// second sender), each with <c>224.0.0.0/4</c> routed to its end. Names carry the test process id,
/// and namespaces left by crashed runs (whose process is gone) are removed on creation.
/// </summary>
public sealed class NetnsLan : IDisposable
{
    private readonly NetnsLab _lab = new("pm-mdns-");

    public NetnsLan()
    {
        try
        {
            A = _lab.Add("a");
            B = _lab.Add("b");
            NetnsLab.Link(A, "lana", "10.77.0.1/24", B, "lanb", "10.77.0.2/24");
            NetnsLab.Ip("-n", B, "addr", "add", "10.77.0.3/24", "dev", "lanb");
            NetnsLab.Ip("-n", A, "route", "add", "224.0.0.0/4", "dev", "lana");
            NetnsLab.Ip("-n", B, "route", "add", "224.0.0.0/4", "dev", "lanb");
        }
        catch
        {
            _lab.Dispose();
            throw;
        }
    }

    public string A { get; }

    public string B { get; }

    public void Dispose() => _lab.Dispose();
}
