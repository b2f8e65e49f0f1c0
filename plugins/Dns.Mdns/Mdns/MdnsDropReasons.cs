namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Stable tag text for each <see cref="MdnsDropReason"/>, interned so recording allocates nothing.</summary>
internal static class MdnsDropReasons
{
    private static readonly string[] Names = ["malformed", "wrong-name", "too-large", "bad-address", "peer-id-mismatch", "rate-limited", "table-full"];

    /// <summary>Number of reasons.</summary>
    public static int Count => Names.Length;

    /// <summary>The tag text of <paramref name="reason"/>.</summary>
    public static string Name(MdnsDropReason reason) => Names[(int)reason];
}
