namespace PluginMesh.Plugins.Gateway.Istio.Model;

/// <summary>
/// Picks destinations by weight so that after any number N of picks each destination has had its share
/// N·w/W to within less than one pick (Tijdeman's chairman assignment: among the destinations not ahead of
/// their share by more than 1/(2k−2), the one whose next pick is due first). Zero weights are never
/// picked. The picks repeat with period W (the sum of weights), when every count equals its weight.
/// Thread-safe.
/// </summary>
internal sealed class WeightedRoundRobin : RecordCache
{
    private readonly Lock gate = new();
    private IReadOnlyList<RouteDestination>? destinations;
    private long[] counts = [];
    private long period;
    private long step;
    private int active;

    /// <summary>The next destination of <paramref name="list"/> (state starts over when the list instance changes).</summary>
    /// <exception cref="InvalidOperationException">No destination has a positive weight.</exception>
    public RouteDestination Pick(IReadOnlyList<RouteDestination> list, string route)
    {
        lock (gate)
        {
            if (!ReferenceEquals(list, destinations)) Reset(list);
            if (period == 0) throw new InvalidOperationException($"gateway.istio: route '{route}' has no destination with a positive weight");
            if (step == period)
            {
                step = 0;
                Array.Clear(counts);
            }

            step++;
            var twiceOthers = 2 * (active - 1);
            var best = -1;
            Int128 bestDue = 0;
            long bestWeight = 1;
            for (var i = 0; i < list.Count; i++)
            {
                long weight = list[i].Weight;
                if (weight <= 0) continue;

                // Eligible: (step·w/W − count) ≥ 1/(2k−2), i.e. owed at least that much of a pick.
                if (active > 1 && twiceOthers * ((Int128)step * weight - (Int128)counts[i] * period) < period) continue;

                // Due time of its next pick, (count + 1 − 1/(2k−2))·W/w, compared without division.
                Int128 due = (Int128)twiceOthers * (counts[i] + 1) - 1;
                if (best < 0 || due * bestWeight < bestDue * weight)
                {
                    best = i;
                    bestDue = due;
                    bestWeight = weight;
                }
            }

            if (best < 0) best = MostOwed(list);
            counts[best]++;
            return list[best];
        }
    }

    private void Reset(IReadOnlyList<RouteDestination> list)
    {
        destinations = list;
        counts = new long[list.Count];
        step = 0;
        period = 0;
        active = 0;
        foreach (var destination in list)
        {
            if (destination.Weight <= 0) continue;
            period += destination.Weight;
            active++;
        }
    }

    // The theorem says some destination is always eligible; should arithmetic ever disagree, the most owed one keeps the shares close.
    private int MostOwed(IReadOnlyList<RouteDestination> list)
    {
        var best = -1;
        Int128 bestOwed = 0;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Weight <= 0) continue;
            var owed = (Int128)step * list[i].Weight - (Int128)counts[i] * period;
            if (best < 0 || owed > bestOwed)
            {
                best = i;
                bestOwed = owed;
            }
        }

        return best;
    }
}
