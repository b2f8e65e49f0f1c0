namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>
/// Durations as Istio objects write them: protobuf's JSON form (<c>1.5s</c>) and Go's
/// (<c>100ms</c>, <c>1m30s</c>, <c>2h</c>; units h, m, s, ms, us, µs, ns). No sign, at least one part.
/// </summary>
internal static class IstioDuration
{
    private static readonly (string Unit, decimal Ticks)[] Units =
    [
        ("ms", TimeSpan.TicksPerMillisecond), ("us", 10m), ("µs", 10m), ("ns", 0.01m),
        ("h", TimeSpan.TicksPerHour), ("m", TimeSpan.TicksPerMinute), ("s", TimeSpan.TicksPerSecond),
    ];

    /// <summary>Parses <paramref name="text"/>; false when it is not a duration or too long for a <see cref="TimeSpan"/>.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var rest = text.AsSpan().Trim();
        if (rest.IsEmpty) return false;
        decimal ticks = 0;
        while (!rest.IsEmpty)
        {
            var digits = 0;
            while (digits < rest.Length && (char.IsAsciiDigit(rest[digits]) || rest[digits] == '.')) digits++;
            if (digits == 0 || digits > 28 ||
                !decimal.TryParse(rest[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            rest = rest[digits..];
            var unit = 0;
            while (unit < Units.Length && !rest.StartsWith(Units[unit].Unit, StringComparison.Ordinal)) unit++;
            if (unit == Units.Length) return false;
            rest = rest[Units[unit].Unit.Length..];
            if (number > TimeSpan.MaxValue.Ticks / Units[unit].Ticks) return false;
            ticks += number * Units[unit].Ticks;
            if (ticks > TimeSpan.MaxValue.Ticks) return false;
        }

        value = TimeSpan.FromTicks((long)decimal.Round(ticks));
        return true;
    }
}
