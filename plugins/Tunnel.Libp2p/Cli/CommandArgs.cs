namespace PluginMesh.Plugins.Tunnel.Libp2p.Cli;

/// <summary>Parsed command arguments: positionals, <c>--name value</c> or <c>--name=value</c> options (repeatable) and flags.</summary>
internal sealed class CommandArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandArgs()
    {
    }

    public List<string> Positionals { get; } = [];

    /// <summary>Parses; throws <see cref="ArgumentException"/> for an unknown option or one missing its value.</summary>
    /// <param name="flags">Options that take no value (<see cref="Has"/>).</param>
    public static CommandArgs Parse(IReadOnlyList<string> args, IReadOnlySet<string> known, IReadOnlySet<string>? flags = null)
    {
        var result = new CommandArgs();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                result.Positionals.Add(a);
                continue;
            }
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            if (flags?.Contains(name) == true)
            {
                if (eq > 0) throw new ArgumentException($"--{name} takes no value");
                result._flags.Add(name);
                continue;
            }
            if (!known.Contains(name)) throw new ArgumentException($"unknown option --{name}");
            if (eq < 0 && i + 1 >= args.Count) throw new ArgumentException($"--{name} needs a value");
            if (!result._options.TryGetValue(name, out var list)) result._options[name] = list = [];
            list.Add(eq > 0 ? a[(eq + 1)..] : args[++i]);
        }
        return result;
    }

    public bool Has(string flag) => _flags.Contains(flag);

    public IReadOnlyList<string> All(string name) => _options.TryGetValue(name, out var list) ? list : [];

    public string? One(string name) => _options.TryGetValue(name, out var list) ? list[^1] : null;

    public long Long(string name, long fallback, long min)
    {
        var text = One(name);
        if (text is null) return fallback;
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) || v < min)
            throw new ArgumentException($"--{name} must be an integer >= {min}, got '{text}'");
        return v;
    }
}
