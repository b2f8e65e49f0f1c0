namespace PluginMesh.Plugins.Cache.LiteDb.Tests.Records;

/// <summary>One entry written by the kill -9 child: which write and batch it belongs to.</summary>
public sealed record StreamEntry(long Write, long Batch, int Index, string Payload);
