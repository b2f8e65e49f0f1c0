namespace PluginMesh.Demo;

/// <summary>
/// The demo's own options as the host read them, with its strict parser, from a command line that
/// may also hold the binary's global options (those stay with the host).
/// </summary>
/// <param name="Positionals">Words that are not options (the demo takes none).</param>
/// <param name="Values">Value of each of <see cref="DemoCommand.ValueOptions"/> given (the last one when repeated).</param>
/// <param name="Flags">Those of <see cref="DemoCommand.FlagOptions"/> given.</param>
public sealed record DemoCommandLine(IReadOnlyList<string> Positionals, IReadOnlyDictionary<string, string> Values, IReadOnlySet<string> Flags);
