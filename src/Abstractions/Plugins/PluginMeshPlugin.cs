using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// The usual shape of an entry type, written once: a descriptor versioned by the plugin's assembly,
/// <see cref="Validate"/> and <see cref="ConfigureServices"/> reading the section with the same options
/// reader, and <see cref="AddServices"/> called only with options that read without a problem.
/// Implementing <see cref="IPluginMeshPlugin"/> directly works as well.
/// </summary>
/// <typeparam name="TOptions">The plugin's options, as its reader returns them.</typeparam>
public abstract class PluginMeshPlugin<TOptions> : IPluginMeshPlugin
{
    /// <summary>Describes the plugin; the version is its assembly's.</summary>
    /// <param name="id">Plugin id and configuration section name (<c>plugins.&lt;id&gt;</c>).</param>
    /// <param name="description">One line for <c>pluginmesh plugins</c>.</param>
    /// <param name="provides">Capabilities it provides (<see cref="Capabilities"/>).</param>
    /// <param name="requires">Capabilities it cannot run without; none when left out.</param>
    /// <param name="uses">Capabilities it uses when present; none when left out.</param>
    protected PluginMeshPlugin(string id, string description, IReadOnlyList<string> provides,
        IReadOnlyList<string>? requires = null, IReadOnlyList<string>? uses = null) =>
        Descriptor = new(id, GetType().Assembly.GetName().Version ?? new Version(0, 0), AbstractionsApi.Version, provides, requires ?? [], uses ?? [], description);

    /// <inheritdoc />
    public PluginDescriptor Descriptor { get; }

    /// <summary>Reads the section with <see cref="ReadOptions"/> (no data directory yet), reporting every problem.</summary>
    public void Validate(PluginValidationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ReadOptions(context.Section, null, context.Error);
    }

    /// <summary>Reads the options again, throws <see cref="ConfigValidationException"/> on any problem, else <see cref="AddServices"/>.</summary>
    public void ConfigureServices(IServiceCollection services, PluginContext context)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(context);
        var problems = new List<ConfigProblem>();
        var options = ReadOptions(context.Configuration, context.Node.DataDirectory,
            (key, message) => problems.Add(new ConfigProblem(ConfigPath.Join("plugins." + Descriptor.Id, key), message)));
        if (problems.Count > 0) throw new ConfigValidationException(problems);
        AddServices(services, context, options);
    }

    /// <summary>Reads and checks the plugin's section; reports each problem to <paramref name="error"/> (a key relative to the section, a message) and never throws for bad input.</summary>
    /// <param name="section">The plugin's configuration section.</param>
    /// <param name="dataDirectory">The node's data directory; null while validating.</param>
    /// <param name="error">Where problems go.</param>
    protected abstract TOptions ReadOptions(IConfiguration section, string? dataDirectory, Action<string, string> error);

    /// <summary>Registers the plugin's services (no I/O), as <see cref="IPluginMeshPlugin.ConfigureServices"/> describes.</summary>
    /// <param name="services">The node's service collection.</param>
    /// <param name="context">The plugin's context (configuration, node, meter, activity source).</param>
    /// <param name="options">The options <see cref="ReadOptions"/> returned, without problems.</param>
    protected abstract void AddServices(IServiceCollection services, PluginContext context, TOptions options);
}
