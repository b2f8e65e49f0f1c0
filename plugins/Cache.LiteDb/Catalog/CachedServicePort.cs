namespace PluginMesh.Plugins.Cache.LiteDb.Catalog;

/// <summary>Cache form of <see cref="Abstractions.Catalog.ServicePort"/>; protocol as text so the JSON stays readable.</summary>
internal sealed record CachedServicePort(string Name, int Port, string Protocol, int TargetPort, string? TargetPortName, int? NodePort);
