namespace PluginMesh.Cli;

/// <summary>One built-in command.</summary>
/// <param name="Name">Words after <c>pluginmesh</c>.</param>
/// <param name="Summary">One line for the command list.</param>
/// <param name="Usage">Full help.</param>
/// <param name="Run">Runs it; returns the exit code.</param>
internal sealed record CliCommand(string Name, string Summary, string Usage, Func<IReadOnlyList<string>, CliIo, Task<int>> Run);

/// <summary>Where commands write, and the cancellation raised by SIGINT/SIGTERM.</summary>
internal sealed record CliIo(TextWriter Out, TextWriter Error, CancellationToken Cancel);
