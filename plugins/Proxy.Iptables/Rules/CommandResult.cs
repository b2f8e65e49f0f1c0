namespace PluginMesh.Plugins.Proxy.Iptables.Rules;

/// <summary>Outcome of one external command.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr);
