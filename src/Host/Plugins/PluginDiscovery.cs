using System.Reflection;
using System.Text.RegularExpressions;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// Finds plugin folders and loads each into its own load context with McMaster.NETCore.Plugins,
/// sharing only Abstractions and the Microsoft.Extensions abstractions with the host.
/// </summary>
/// <remarks>
/// A plugin folder holds the plugin's assembly with its dependencies and <c>.deps.json</c> beside it;
/// <see cref="EntryAssembly"/> decides which DLL is the plugin, whatever the folder is called.
/// Loading never throws for a bad plugin or folder: the result carries an error that names the
/// plugin (or folder) and says why, and a folder with no plugin in it is listed as skipped.
/// </remarks>
internal static partial class PluginDiscovery
{
    // Types whose identity must be the host's so that plugin objects fit host interfaces.
    private static readonly Type[] SharedTypes =
    [
        typeof(IPluginMeshPlugin),
        typeof(PluginMesh.P2p.Multiaddr),
        typeof(IServiceCollection),
        typeof(IServiceProvider),
        typeof(IHostedService),
        typeof(IConfiguration),
        typeof(ILogger),
        typeof(ILoggerFactory),
        typeof(System.Diagnostics.Metrics.Meter),
    ];

    [GeneratedRegex("^[a-z0-9]+(?:[.-][a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    /// <summary>Every folder of <paramref name="directories"/> loaded (see <see cref="InstalledPlugins.All"/>).</summary>
    public static List<LoadedPlugin> LoadAll(IEnumerable<string> directories, ILogger logger) => [.. new InstalledPlugins([.. directories], logger).All()];

    /// <param name="folderName">The plugin's id in what is reported when the plugin cannot say it.</param>
    /// <param name="dll">The entry assembly.</param>
    /// <param name="declaredId">The id its metadata declares (<see cref="EntryAssembly.TryDeclaredId"/>): the descriptor must say the same, and a failure is reported under it.</param>
    internal static LoadedPlugin LoadOne(string folderName, string dll, string? declaredId = null)
    {
        PluginLoader? loader = null;
        LoadedPlugin Failed(string error) => new(declaredId ?? folderName, dll, loader, null, error);
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(dll, SharedTypes, c => c.PreferSharedTypes = true);
            var assembly = loader.LoadDefaultAssembly();
            Type[] types;
            try
            {
                types = assembly.GetExportedTypes();
            }
            catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or ReflectionTypeLoadException or TypeLoadException)
            {
                return Failed("missing dependency: " + DescribeMissing(ex));
            }
            var entries = types.Where(t => typeof(IPluginMeshPlugin).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }).ToList();
            if (entries.Count != 1)
                return Failed(entries.Count == 0
                    ? $"no public type implements {nameof(IPluginMeshPlugin)} in {System.IO.Path.GetFileName(dll)}"
                    : $"more than one entry type: {string.Join(", ", entries.Select(e => e.FullName))}");
            if (entries[0].GetConstructor(Type.EmptyTypes) is null)
                return Failed($"{entries[0].FullName} has no public parameterless constructor");

            IPluginMeshPlugin instance;
            try
            {
                instance = (IPluginMeshPlugin)Activator.CreateInstance(entries[0])!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is FileNotFoundException or FileLoadException)
            {
                return Failed("missing dependency: " + DescribeMissing(ex.InnerException!));
            }
            catch (TargetInvocationException ex)
            {
                return Failed($"{entries[0].FullName} threw while loading: {ex.InnerException?.GetType().Name}: {ex.InnerException?.Message}");
            }

            PluginDescriptor descriptor;
            try
            {
                descriptor = instance.Descriptor;
            }
            // A missing dependency is reported as such by the catch below.
            catch (Exception ex) when (ex is not (FileNotFoundException or FileLoadException))
            {
                return Failed($"reading its descriptor threw {ex.GetType().Name}: {ex.Message}");
            }
            if (descriptor.ApiVersion != AbstractionsApi.Version)
                return new LoadedPlugin(declaredId ?? descriptor.Id ?? folderName, dll, loader, null,
                    $"built against Abstractions API version {descriptor.ApiVersion}, but this host speaks version {AbstractionsApi.Version}; rebuild the plugin against this release");
            if (descriptor.Id is null || !IdPattern().IsMatch(descriptor.Id))
                return Failed($"invalid plugin id '{descriptor.Id}' (lower-case words joined by '.' or '-')");
            if (declaredId is not null && declaredId != descriptor.Id)
                return Failed($"its assembly declares plugin id '{declaredId}' ({EntryAssembly.IdMetadataKey} metadata) but its descriptor says '{descriptor.Id}'; make them the same");
            return new LoadedPlugin(descriptor.Id, dll, loader, instance, null);
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException)
        {
            return Failed("missing dependency: " + DescribeMissing(ex));
        }
        catch (BadImageFormatException ex)
        {
            return Failed($"not a .NET assembly: {ex.Message}");
        }
        catch (Exception ex) when (ex is TypeLoadException or ReflectionTypeLoadException or InvalidOperationException or IOException)
        {
            return Failed($"could not load: {ex.GetType().Name}: {ex.Message}");
        }
    }

    internal static void MarkDuplicates(List<LoadedPlugin> plugins)
    {
        foreach (var group in plugins.Where(p => p.Instance is not null).GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            var paths = string.Join(" and ", group.Select(p => p.Path));
            foreach (var p in group)
            {
                p.Error = $"duplicate plugin id '{p.Id}': found in {paths}";
                p.State = PluginState.Failed;
            }
        }
    }

    private static string DescribeMissing(Exception ex) => ex switch
    {
        FileNotFoundException f when f.FileName is not null => f.FileName,
        FileLoadException f when f.FileName is not null => f.FileName,
        ReflectionTypeLoadException r => string.Join("; ", r.LoaderExceptions.OfType<Exception>().Select(DescribeMissing).Distinct()),
        _ => ex.Message,
    };
}
