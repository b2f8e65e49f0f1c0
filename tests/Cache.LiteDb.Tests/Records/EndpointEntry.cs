namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Records;

/// <summary>Nested record inside <see cref="ServiceEntry"/>.</summary>
public sealed record EndpointEntry(string Address, int Port, string? NodeName);
