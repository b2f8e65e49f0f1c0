using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace PluginMesh.Host.Policies;

/// <summary>Registers the policy engine in the host's container.</summary>
public static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PolicyEngine"/> (singleton, disposed with the container), every policy
    /// interface resolved to it, and <see cref="PolicyEngineHostedService"/>, which loads the scripts and
    /// starts the watcher when the host starts. Register early so the engine starts before plugins ask it.
    /// </summary>
    public static IServiceCollection AddPluginMeshPolicies(this IServiceCollection services, PolicyEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton(sp => new PolicyEngine(
            options,
            sp.GetService<ILogger<PolicyEngine>>() ?? NullLogger<PolicyEngine>.Instance,
            sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IRelaySelectionPolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddSingleton<IFailoverPolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddSingleton<IResyncPolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddSingleton<IEndpointPolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddSingleton<IRelayElectionPolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddSingleton<INodeRetirePolicy>(sp => sp.GetRequiredService<PolicyEngine>());
        services.AddHostedService<PolicyEngineHostedService>();
        return services;
    }
}
