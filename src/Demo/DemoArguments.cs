using System.Globalization;

namespace PluginMesh.Demo;

/// <summary>What the demo was asked for, checked: a value out of range is a <see cref="DemoUsageException"/>, never a silent default.</summary>
/// <param name="Requests"><c>--requests</c>: per edge node and phase, 1–1000 (20 when not given).</param>
/// <param name="Keep"><c>--keep</c>.</param>
/// <param name="WorkDir"><c>--dir</c>, made absolute.</param>
/// <param name="Netns"><c>--netns</c>.</param>
/// <param name="NoHolePunch"><c>--no-hole-punch</c> (it goes with <c>--netns</c>, which the story checks where it picks the network).</param>
internal sealed record DemoArguments(int Requests, bool Keep, string? WorkDir, bool Netns, bool NoHolePunch)
{
    public static DemoArguments Read(DemoCommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Positionals.Count > 0) throw new DemoUsageException("demo takes no arguments");
        var requests = 20;
        if (line.Values.TryGetValue("requests", out var r) && !(int.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out requests) && requests is >= 1 and <= 1000))
            throw new DemoUsageException("--requests takes 1 to 1000");
        return new DemoArguments(
            requests,
            line.Flags.Contains("keep"),
            line.Values.TryGetValue("dir", out var dir) ? Path.GetFullPath(dir) : null,
            line.Flags.Contains("netns"),
            line.Flags.Contains("no-hole-punch"));
    }
}
