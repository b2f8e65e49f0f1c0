namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>What forwarding produced.</summary>
/// <param name="Length">Bytes written to the response buffer.</param>
/// <param name="Failed">True when every upstream failed and a SERVFAIL was written.</param>
internal readonly record struct ForwardOutcome(int Length, bool Failed);
