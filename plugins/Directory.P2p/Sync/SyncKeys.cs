using System.Security.Cryptography;
using PluginMesh.P2p;

namespace PluginMesh.Plugins.Directory.P2p.Sync;

/// <summary>
/// Keys and item hashes of range reconciliation (README "Sync protocol"): a record is the item
/// (key = SHA-256 of its PeerId's multihash, value = its sequence). Hashing the PeerId spreads keys
/// evenly over the key space whatever the key type, so equal-count splits are also even ranges.
/// </summary>
internal static class SyncKeys
{
    public const int KeyLength = 32;

    public static byte[] Of(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        return SHA256.HashData(peerId.Multihash);
    }
}
