using System.Text;
using System.Text.Json;

namespace PluginMesh.Cli;

/// <summary>Plain left-aligned text tables for human output.</summary>
internal static class Table
{
    public static string Render(IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells)
        {
            for (var i = 0; i < cells.Count; i++)
            {
                sb.Append(i == cells.Count - 1 ? cells[i] : cells[i].PadRight(widths[i] + 2));
            }
            sb.Append('\n');
        }
        Line(headers);
        foreach (var r in rows) Line(r);
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>A JSON property as a table cell: its text, or <c>-</c> when absent or null.</summary>
    public static string Cell(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v.ToString() : "-";
}
