namespace PluginMesh.Plugins.Catalog.Kubernetes.Caching;

/// <summary>Cache form of <see cref="Abstractions.Catalog.ServicePort"/>; protocol as text so the JSON stays readable.</summary>
public sealed record CachedServicePort(string Name, int Port, string Protocol, int TargetPort, string? TargetPortName, int? NodePort);
