using PluginMesh.Abstractions.Tunnel;

namespace PluginMesh.TestSupport;

/// <summary>The offers half of <see cref="ILocalPeer"/> for test doubles: stores offers and raises the event like the tunnel's LocalPeer.</summary>
public sealed class OfferList
{
    private readonly Lock _lock = new();
    private IReadOnlyList<ServiceOffer> _offers = [];

    public IReadOnlyList<ServiceOffer> Offers => Volatile.Read(ref _offers);

    public event Action? Changed;

    public void Set(ServiceOffer offer)
    {
        lock (_lock)
        {
            if (_offers.Contains(offer)) return;
            _offers = [.. _offers.Where(o => o.Service != offer.Service), offer];
        }
        Changed?.Invoke();
    }

    public void Withdraw(string service)
    {
        lock (_lock)
        {
            if (_offers.All(o => o.Service != service)) return;
            _offers = [.. _offers.Where(o => o.Service != service)];
        }
        Changed?.Invoke();
    }
}
