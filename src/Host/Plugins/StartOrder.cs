using PluginMesh.Abstractions.Plugins;

namespace PluginMesh.Host.Plugins;

/// <summary>
/// Orders plugins so that every plugin starts after the providers of the capabilities it requires
/// or uses (the cache before whatever reads it). Ties keep id order, so the order is stable.
/// </summary>
internal static class StartOrder
{
    /// <summary>Returns the start order, or problems (missing required capability, cycle).</summary>
    public static List<LoadedPlugin> Compute(IReadOnlyList<LoadedPlugin> enabled, List<ConfigProblem> problems)
    {
        var providers = new Dictionary<string, List<LoadedPlugin>>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in enabled)
            foreach (var cap in p.Descriptor!.Provides)
                (providers.TryGetValue(cap, out var list) ? list : providers[cap] = []).Add(p);

        var required = new Dictionary<LoadedPlugin, HashSet<LoadedPlugin>>();
        var deps = new Dictionary<LoadedPlugin, HashSet<LoadedPlugin>>();
        foreach (var p in enabled)
        {
            var set = new HashSet<LoadedPlugin>();
            foreach (var cap in p.Descriptor!.Requires)
            {
                if (!providers.TryGetValue(cap, out var ps) || ps.All(x => x == p))
                    problems.Add(new ConfigProblem("plugins." + p.Id, $"requires capability '{cap}', which no enabled plugin provides"));
                else set.UnionWith(ps.Where(x => x != p));
            }
            required[p] = [.. set];
            foreach (var cap in p.Descriptor.Uses)
                if (providers.TryGetValue(cap, out var ps)) set.UnionWith(ps.Where(x => x != p));
            deps[p] = set;
        }

        var order = new List<LoadedPlugin>();
        var done = new HashSet<LoadedPlugin>();
        var remaining = enabled.OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            // "Uses" only orders: when optional uses form a cycle (two plugins that each use the
            // other's capability when present), the cycle is broken at the first plugin in id order.
            var next = remaining.FirstOrDefault(p => deps[p].All(done.Contains))
                ?? remaining.FirstOrDefault(p => required[p].All(done.Contains));
            if (next is null)
            {
                problems.Add(new ConfigProblem("plugins", $"required capability cycle between {string.Join(", ", remaining.Select(r => r.Id))}"));
                order.AddRange(remaining);
                break;
            }
            order.Add(next);
            done.Add(next);
            remaining.Remove(next);
        }
        return order;
    }
}
