namespace PluginMesh.Cli;

/// <summary>Thrown for a command line that does not fit the command's usage; exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// A small, strict parser: <c>--name value</c>, <c>--name=value</c>, boolean flags and positionals.
/// Unknown options are errors, so a typo never silently changes behaviour.
/// </summary>
internal sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public CliArgs(IReadOnlyList<string> args, IReadOnlyCollection<string> valueOptions, IReadOnlyCollection<string> flagOptions)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--") { Positionals.AddRange(args.Skip(i + 1)); break; }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) { Positionals.Add(a); continue; }
            var eq = a.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? a[2..eq] : a[2..];
            if (flagOptions.Contains(name))
            {
                if (eq > 0) throw new UsageException($"--{name} takes no value");
                _flags.Add(name);
            }
            else if (valueOptions.Contains(name))
            {
                string value;
                if (eq > 0) value = a[(eq + 1)..];
                else if (i + 1 < args.Count) value = args[++i];
                else throw new UsageException($"--{name} needs a value");
                (_values.TryGetValue(name, out var list) ? list : _values[name] = []).Add(value);
            }
            else
            {
                throw new UsageException($"unknown option --{name}");
            }
        }
    }

    public List<string> Positionals { get; } = [];

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public static bool WantsHelp(IReadOnlyList<string> args) => args.Any(a => a is "--help" or "-h");
}
