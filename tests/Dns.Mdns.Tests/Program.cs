using PluginMesh.Plugins.Dns.Mdns.Tests.Support;

namespace PluginMesh.Plugins.Dns.Mdns.Tests;

/// <summary>
/// The test assembly doubles as the helper the network-namespace tests launch under
/// <c>ip netns exec</c> (a process cannot move its threads into another namespace safely).
/// The test runner never calls Main; it loads the assembly.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.FirstOrDefault() switch
        {
            "mdns-node" => await MdnsNode.RunAsync(args[1..]).ConfigureAwait(false),
            "mdns-send" => MdnsSender.Run(args[1..]),
            _ => Usage(),
        };
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: <tests.dll> mdns-node [--advertise ADDR]... [--interval MS] [--ttl S] [--interfaces A,B] [--exclude A,B] [--service NAME]");
        Console.Error.WriteLine("       <tests.dll> mdns-send --bind IP --hex HEX [--count N]");
        return 2;
    }
}
