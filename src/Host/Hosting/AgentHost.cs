using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Catalog;
using PluginMesh.Abstractions.Plugins;
using PluginMesh.Host.Admin;
using PluginMesh.Host.Catalog;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Plugins;
using PluginMesh.Host.Telemetry;

namespace PluginMesh.Host.Hosting;

/// <summary>What <c>pluginmesh up</c> needs: config, plugins, and the built application.</summary>
internal sealed record AgentPlan(LoadedConfig Config, HostSettings Settings, PluginSet Plugins);

/// <summary>
/// Composes the agent: validate everything first (no sockets), then build the application with the
/// admin endpoint, telemetry, policies, the catalog and each plugin's services.
/// </summary>
internal static class AgentHost
{
    /// <summary>Loads and validates config and plugins; throws <see cref="ConfigValidationException"/> with every problem.</summary>
    public static AgentPlan Plan(string? configPath, PluginDirectoryOptions pluginDirs, ILogger logger)
    {
        var config = ConfigLoader.Load(configPath);
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        var dirs = AgentPaths.PluginDirectories(pluginDirs, settings, problems);
        var plugins = PluginComposer.Compose(config.Root, config.ExplicitPluginIds, settings.ProfilePlugins, dirs, problems, logger);
        if (problems.Count > 0) throw new ConfigValidationException(problems);
        settings = settings with
        {
            Node = settings.Node with { PoliciesDirectory = AgentPaths.PoliciesDirectory(settings.Node.PoliciesDirectory, settings.Node.DataDirectory) },
        };
        return new AgentPlan(config, settings, plugins);
    }

    public static WebApplication Build(AgentPlan plan, string[]? args = null)
    {
        var settings = plan.Settings;
        Directory.CreateDirectory(settings.Node.DataDirectory);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(plan.Config.Root);
        LoggingSetup.Configure(builder.Logging, settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        AdminEndpoints.Listen(builder.WebHost, settings.Admin);
        TelemetrySetup.Configure(builder.Services, settings);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(settings.Node);
        services.AddSingleton(plan.Plugins);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CatalogStore>();
        services.AddSingleton<IServiceCatalog>(sp => sp.GetRequiredService<CatalogStore>());
        services.AddSingleton<ICatalogSink>(sp => sp.GetRequiredService<CatalogStore>());
        PolicyWiring.Add(services, settings);

        // The runtime is registered before any plugin service so that plugins start after the host's own services.
        services.AddSingleton<PluginRuntime>();
        services.AddHostedService(sp => sp.GetRequiredService<PluginRuntime>());
        services.AddSingleton(sp => new Lazy<HostTelemetry>(() => new HostTelemetry(plan.Plugins, () => sp.GetRequiredService<PluginRuntime>().Ready)));
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<StatusService>(sp, (object?)plan.Config.FilePath ?? string.Empty));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, PolicyWiring.StatusSection>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, CatalogStatusSection>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, PeersStatusSection>());

        foreach (var plugin in plan.Plugins.Ordered)
        {
            var name = "PluginMesh." + plugin.Id;
            var context = new PluginContext(plugin.Id, plan.Config.Root.GetSection("plugins:" + plugin.Id), settings.Node,
                new Meter(name, plugin.Descriptor!.Version.ToString()), new ActivitySource(name, plugin.Descriptor.Version.ToString()));
            try
            {
                plan.Plugins.Register(plugin, services, s => plugin.Instance!.ConfigureServices(s, context));
            }
            catch (Exception ex)
            {
                plugin.State = PluginState.Failed;
                plugin.Error = $"registering services threw {ex.GetType().Name}: {ex.Message}";
                throw new PluginMeshException(plugin.Id, "configure services", ex.Message, ex);
            }
        }

        var app = builder.Build();
        AdminEndpoints.Map(app);
        return app;
    }
}
