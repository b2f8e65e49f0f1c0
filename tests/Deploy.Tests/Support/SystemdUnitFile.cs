namespace PluginMesh.Deploy.Tests.Support;

/// <summary>A systemd unit file as sections of (key, value) pairs; repeated keys keep every value, in order.</summary>
public sealed class SystemdUnitFile
{
    private readonly Dictionary<string, List<(string Key, string Value)>> _sections = new(StringComparer.Ordinal);

    public SystemdUnitFile(string text)
    {
        List<(string, string)>? current = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[' && line[^1] == ']')
            {
                current = _sections[line[1..^1]] = [];
                continue;
            }
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (current is null || eq <= 0) throw new FormatException($"not a unit-file line: '{line}'");
            current.Add((line[..eq].Trim(), line[(eq + 1)..].Trim()));
        }
    }

    public IReadOnlyCollection<string> Sections => _sections.Keys;

    public IReadOnlyList<string> All(string section, string key) =>
        _sections.TryGetValue(section, out var entries) ? entries.Where(e => e.Key == key).Select(e => e.Value).ToList() : [];

    /// <summary>The effective value of a single-valued key (the last assignment wins, as in systemd).</summary>
    public string? Get(string section, string key) => All(section, key) is { Count: > 0 } values ? values[^1] : null;
}
