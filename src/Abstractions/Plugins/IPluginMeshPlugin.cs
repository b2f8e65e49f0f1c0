using Microsoft.Extensions.DependencyInjection;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// The entry type of a plugin assembly. The host creates it with its public parameterless
/// constructor, which must have no side effects (no sockets, no files, no threads).
/// </summary>
/// <remarks>
/// Lifecycle, written down once: construct → <see cref="Validate"/> (fast, collects every problem)
/// → <see cref="ConfigureServices"/> (register services and hosted services; still no I/O) →
/// the host starts the plugin's hosted services in dependency order → stop in reverse order.
/// Stop must be safe after a partial start. Members are called from one thread at a time.
/// </remarks>
public interface IPluginMeshPlugin
{
    /// <summary>Identity and capabilities. Must be constant for the life of the instance.</summary>
    PluginDescriptor Descriptor { get; }

    /// <summary>
    /// Checks the plugin's own configuration section and reports every problem through
    /// <paramref name="context"/>. Must not throw for bad input and must not bind sockets.
    /// </summary>
    void Validate(PluginValidationContext context);

    /// <summary>
    /// Registers the plugin's services. Capability implementations are registered against their
    /// Abstractions interface; long-running work is registered as <c>IHostedService</c>, which the
    /// host starts after the services of every plugin this one <see cref="PluginDescriptor.Requires"/>.
    /// </summary>
    void ConfigureServices(IServiceCollection services, PluginContext context);
}
