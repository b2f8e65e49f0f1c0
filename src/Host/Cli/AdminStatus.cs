using System.Text.Json;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Cli;

/// <summary>Fetches <c>/status</c> from the local agent for the operator commands (status, services, peers).</summary>
internal static class AdminStatus
{
    /// <summary>The admin endpoint: <c>--admin</c>, else <c>admin.listen</c> from the configuration.</summary>
    public static AdminListen Resolve(CliArgs args)
    {
        var problems = new List<ConfigProblem>();
        var admin = args.Value("admin") is { } a
            ? HostSettingsBinder.ParseAdmin(a, problems)
            : HostSettingsBinder.Bind(ConfigLoader.Load(args.Value("config")).Root, problems).Admin;
        if (problems.Count > 0 && args.Value("admin") is not null) throw new UsageException(string.Join("; ", problems));
        return admin;
    }

    /// <summary>Parses the common options (<c>--admin</c>, <c>--config</c>) plus <paramref name="flags"/>; null status when unreachable (already reported).</summary>
    public static async Task<(CliArgs Args, JsonDocument? Status)> FetchAsync(IReadOnlyList<string> argv, string[] flags, CliIo io)
    {
        var args = new CliArgs(argv, [.. GlobalOptions.Values, "admin"], [.. GlobalOptions.Flags, .. flags]);
        var admin = Resolve(args);

        using var http = AdminClient.Create(admin, TimeSpan.FromSeconds(5));
        try
        {
            var body = await http.GetStringAsync(new Uri("status", UriKind.Relative), io.Cancel);
            return (args, JsonDocument.Parse(body));
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            await io.Error.WriteLineAsync($"pluginmesh: no agent answers on {admin}: {ex.Message}");
            return (args, null);
        }
    }
}
