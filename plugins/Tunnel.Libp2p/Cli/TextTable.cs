namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>Left-aligned text tables, as the host's commands print them.</summary>
internal static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        foreach (var cells in rows.Prepend([.. headers]))
        {
            for (var i = 0; i < cells.Length; i++) sb.Append(i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
            sb.Append('\n');
        }
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>A JSON property as a table cell: its text, or <c>-</c> when absent or null.</summary>
    public static string Cell(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "-";
}
