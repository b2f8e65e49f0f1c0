using Microsoft.Extensions.DependencyInjection;
using PluginMesh.Host.Admin;
using PluginMesh.Host.Configuration;
using PluginMesh.Host.Policies;

namespace PluginMesh.Host.Hosting;

/// <summary>Registers the policy engine (policies/*.js with C# defaults) and its status section.</summary>
internal static class PolicyWiring
{
    public static PolicyEngineOptions Options(HostSettings settings) => new()
    {
        Directory = settings.Node.PoliciesDirectory,
        TimeLimit = TimeSpan.FromMilliseconds(settings.PolicyTimeLimitMs),
        MaxStatements = settings.PolicyMaxStatements,
        MemoryLimitBytes = settings.PolicyMemoryLimitBytes,
        RecursionLimit = settings.PolicyRecursionLimit,
    };

    public static void Add(IServiceCollection services, HostSettings settings) => services.AddPluginMeshPolicies(Options(settings));

    internal sealed class StatusSection(PolicyEngine engine) : IHostStatusSection
    {
        public string Section => "policies";

        public object GetStatus() => engine.Status;
    }
}
