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
    /// <param name="command">A plugin command's node: its plugins only, its overrides over the configuration; null for the agent.</param>
    /// <param name="installed">The plugins the command was found among (the very instances its node must run); null: found here.</param>
    public static AgentPlan Plan(string? configPath, PluginDirectoryOptions pluginDirs, ILogger logger, CommandNodeRequest? command = null, InstalledPlugins? installed = null)
    {
        var config = ConfigLoader.Load(configPath, overrides: command?.Overrides);
        var problems = new List<ConfigProblem>(config.Problems);
        var settings = HostSettingsBinder.Bind(config.Root, problems);
        installed ??= new InstalledPlugins(AgentPaths.PluginDirectories(pluginDirs, settings, problems), logger);
        var plugins = command is null
            ? PluginComposer.Compose(config.Root, config.ExplicitPluginIds, settings.ProfilePlugins, installed, problems, logger)
            : PluginComposer.ComposeOnly(config.Root, command.Plugins, installed, problems);
        if (problems.Count > 0) throw new ConfigValidationException(problems);
        settings = settings with
        {
            Node = settings.Node with { PoliciesDirectory = AgentPaths.PoliciesDirectory(settings.Node.PoliciesDirectory, settings.Node.DataDirectory) },
        };
        return new AgentPlan(config, settings, plugins);
    }

    /// <summary>The agent: <see cref="AddNode"/> behind the admin endpoint, with telemetry export and console logs.</summary>
    public static WebApplication Build(AgentPlan plan, string[]? args = null)
    {
        var settings = plan.Settings;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(plan.Config.Root);
        LoggingSetup.Configure(builder.Logging, settings);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        AdminEndpoints.Listen(builder.WebHost, settings.Admin);
        TelemetrySetup.Configure(builder.Services, settings);
        AddNode(builder.Services, plan);
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<StatusService>(sp, (object?)plan.Config.FilePath ?? string.Empty));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, PolicyWiring.StatusSection>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, CatalogStatusSection>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostStatusSection, ProcessStatusSection>());

        var app = builder.Build();
        AdminEndpoints.Map(app);
        return app;
    }

    /// <summary>
    /// What every node has, the agent's and a plugin command's (<see cref="CommandNode"/>): the settings,
    /// the clock, the catalog store, the policy engine, the plugin runtime, then each plugin's services
    /// in start order.
    /// </summary>
    public static void AddNode(IServiceCollection services, AgentPlan plan)
    {
        var settings = plan.Settings;
        Directory.CreateDirectory(settings.Node.DataDirectory);
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
    }
}
