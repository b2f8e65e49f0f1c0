using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Tests.Mapping;

/// <summary>Fixed PeerIds (Ed25519 keys of constant bytes) for codec tests.</summary>
internal static class TestPeers
{
    public static PeerId Of(byte seed) => PeerId.FromPublicKey(KeyProtobuf.Encode(KeyType.Ed25519, Enumerable.Repeat(seed, 32).ToArray()));

    public static PeerId Self { get; } = Of(1);

    public static PeerId Relay { get; } = Of(2);

    public static PeerId Other { get; } = Of(3);
}
