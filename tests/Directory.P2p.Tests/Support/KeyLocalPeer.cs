using PluginMesh.Abstractions.Tunnel;
using PluginMesh.P2p;
using PluginMesh.P2p.Crypto;

namespace PluginMesh.Plugins.Directory.P2p.Tests.Support;

/// <summary>
/// <see cref="ILocalPeer"/> over a libp2p identity key, the adapter the tunnel plugin will provide:
/// addresses are set by the test (or read from a running host).
/// </summary>
internal sealed class KeyLocalPeer(PrivateKey key, Func<IReadOnlyList<string>>? addresses = null) : ILocalPeer
{
    private IReadOnlyList<string> _fixed = [];

    public string PeerId => key.PeerId.ToString();

    public IReadOnlyList<string> Addresses => addresses?.Invoke() ?? _fixed;

    public event Action? AddressesChanged;

    public ReadOnlyMemory<byte> PublicKey => key.PublicKey.Protobuf.ToArray();

    public byte[] Sign(ReadOnlySpan<byte> data) => key.Sign(data);

    public void SetAddresses(IReadOnlyList<string> value)
    {
        _fixed = value;
        AddressesChanged?.Invoke();
    }

    /// <summary>Raises <see cref="AddressesChanged"/> for addresses read from a host.</summary>
    public void RaiseChanged() => AddressesChanged?.Invoke();
}
