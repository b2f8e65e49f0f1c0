using System.Text.Json;

namespace PluginMesh.Cli;

/// <summary>Fetches <c>/status</c> from the local agent for the operator commands (status, services).</summary>
internal static class AdminStatus
{
    /// <summary>Parses the common options (<c>--admin</c>, <c>--config</c>) plus <paramref name="flags"/>; null status when unreachable (already reported).</summary>
    public static async Task<(CliArgs Args, JsonDocument? Status)> FetchAsync(IReadOnlyList<string> argv, string[] flags, CliIo io)
    {
        var args = new CliArgs(argv, [.. GlobalOptions.Values, "admin"], [.. GlobalOptions.Flags, .. flags]);
        Host.Configuration.AdminListen admin;
        try
        {
            admin = AdminClient.Resolve(args.Value("admin"), args.Value("config"));
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }
        string reason;
        try
        {
            var answer = await AdminClient.GetAsync(admin, "/status", TimeSpan.FromSeconds(5), io.Cancel);
            if (answer.Reached) return (args, JsonDocument.Parse(answer.Body));
            reason = answer.Body;
        }
        catch (Exception ex) when (ex is OperationCanceledException or JsonException)
        {
            reason = ex.Message;
        }
        await io.Error.WriteLineAsync($"pluginmesh: no agent answers on {admin}: {reason}");
        return (args, null);
    }
}
