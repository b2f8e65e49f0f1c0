namespace PluginMesh.Plugins.Catalog.Kubernetes.Api;

/// <summary>
/// A list request reached the API server but did not produce a usable list (error status, body
/// that is not a list). Internal to the retry loop: it is caught there, counted and retried.
/// </summary>
internal sealed class ApiRequestFailedException(string message) : Exception(message);
