namespace PluginMesh.Plugins.Tunnel.Relay.Plugin;

/// <summary>Publishes the relay state under <c>relay</c>.</summary>
internal sealed class RelayStatusContributor(RelayService service, RelayOptions options) : IStatusContributor
{
    public string Section => "relay";

    public object GetStatus()
    {
        var hop = service.Hop;
        var reservations = hop?.Reservations ?? [];
        var (current, pending) = service.Election;
        return new RelayStatus(
            new HopStatus(options.Relay.ToString().ToLowerInvariant(), service.HopOffered, reservations.Count, hop?.Circuits ?? 0, hop?.Bytes ?? 0, [.. reservations.Select(r => r.PeerId.ToString())])
            {
                Election = current is null ? null : new ElectionStatus(current.Offer, current.Cause, current.Reason, current.Since,
                    pending is null ? null : new PendingElection(pending.Offer, pending.Reason, pending.Since)),
                Members = options.Members.ToString().ToLowerInvariant(),
                OutsiderReservations = reservations.Count(r => !r.Member),
                UpgradedCircuits = hop?.UpgradedCircuits ?? 0,
            },
            [.. (service.Reservations?.Reservations ?? []).Select(r => new ClientReservationStatus(r.RelayPeerId.ToString(), r.RelayAddress.ToString(), r.Expires, [.. r.CircuitAddresses.Select(a => a.ToString())]))],
            [.. (service.AutoRelay?.Candidates ?? []).Select(c => new CandidateStatus(c.Relay.PeerId.ToString(), c.Source, c.Rank, c.RttMs, c.RecentFailures, c.Load))],
            service.AutoRelay?.Active ?? false);
    }
}
