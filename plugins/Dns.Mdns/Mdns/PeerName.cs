using System.Security.Cryptography;

namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>Our instance label: random lower-case alphanumerics, 32-63 characters, like js's (so names do not reveal the PeerId or collide).</summary>
internal static class PeerName
{
    public static string Create() =>
        RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", RandomNumberGenerator.GetInt32(32, 64));
}
