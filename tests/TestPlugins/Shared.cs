using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.TestPlugins;

/// <summary>
/// Shared body of the test plugins: records start and stop in the file named by the plugin's
/// <c>journal</c> setting, so tests can see the order in which the host ran them.
/// </summary>
public abstract class JournalPlugin : IPluginMeshPlugin
{
    public abstract PluginDescriptor Descriptor { get; }

    public virtual void Validate(PluginValidationContext context)
    {
        var n = context.Section["mustBePositive"];
        if (n is not null && (!int.TryParse(n, out var v) || v <= 0)) context.Error("mustBePositive", $"'{n}' is not a positive number");
    }

    public void ConfigureServices(IServiceCollection services, PluginContext context) =>
        services.AddSingleton<IHostedService>(new JournalService(Descriptor.Id, context.Configuration["journal"], FailStart));

    protected virtual bool FailStart => false;

    public static PluginDescriptor Make(string id, string[] provides, string[] requires, int api = AbstractionsApi.Version) =>
        new(id, new Version(1, 2, 3), api, provides, requires, [], "test plugin " + id);
}

public sealed class JournalService(string id, string? journal, bool failStart) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Write("start");
        if (failStart) throw new InvalidOperationException("refusing to start (test)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Write("stop");
        return Task.CompletedTask;
    }

    private void Write(string what)
    {
        if (journal is not null) File.AppendAllText(journal, $"{what} {id}\n");
    }
}
