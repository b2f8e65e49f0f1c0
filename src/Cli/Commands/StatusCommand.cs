using System.Text.Json;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh status</c>: what the running agent on this node sees, from its admin endpoint.</summary>
internal static class StatusCommand
{
    public static CliCommand Command { get; } = new("status", "Show the running agent's status (human table or --json)", """
        Usage: pluginmesh status [--json] [--admin ADDR] [--config FILE]

        Reads /status from the local agent's admin endpoint: ADDR (127.0.0.1:PORT or unix:PATH),
        else admin.listen from the configuration. Exits 1 when the agent cannot be reached.
        """, RunAsync);

    private static async Task<int> RunAsync(IReadOnlyList<string> argv, CliIo io)
    {
        var (args, status) = await AdminStatus.FetchAsync(argv, ["json"], io);
        if (status is null) return 1;
        using var doc = status;
        if (args.Flag("json")) { await io.Out.WriteLineAsync(JsonSerializer.Serialize(doc.RootElement, Host.Admin.AdminEndpoints.Json)); return 0; }

        var root = doc.RootElement;
        var node = root.GetProperty("node");
        await io.Out.WriteLineAsync($"node {node.GetProperty("name").GetString()}  version {node.GetProperty("version").GetString()}  " +
            $"ready {root.GetProperty("ready").GetBoolean()}  uptime {node.GetProperty("uptimeSeconds").GetDouble():0}s");
        await io.Out.WriteLineAsync();
        var plugins = root.GetProperty("plugins").EnumerateArray()
            .Select(p => new[] { Table.Cell(p, "id"), Table.Cell(p, "version"), Table.Cell(p, "state"), Table.Cell(p, "error") }).ToList();
        await io.Out.WriteLineAsync(Table.Render(["PLUGIN", "VERSION", "STATE", "ERROR"], plugins));
        foreach (var section in root.EnumerateObject().Where(s => s.Name is not ("node" or "ready" or "plugins")))
        {
            await io.Out.WriteLineAsync();
            await io.Out.WriteLineAsync($"{section.Name}:");
            await io.Out.WriteLineAsync(SectionText(section.Value));
        }
        return 0;
    }


    /// <summary>Arrays of flat objects become tables; anything else is shown as indented JSON.</summary>
    private static string SectionText(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Object))
        {
            var headers = value.EnumerateArray().SelectMany(e => e.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
            var rows = value.EnumerateArray().Select(e => headers.Select(h => Table.Cell(e, h)).ToArray()).ToList();
            return Table.Render(headers.Select(h => h.ToUpperInvariant()).ToList(), rows);
        }
        return JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });
    }
}
