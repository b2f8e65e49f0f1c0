using System.Text.Json.Nodes;

namespace PluginMesh.Demo.FakeApi;

/// <summary>One change in the fake cluster's history, as a watch delivers it.</summary>
/// <param name="ResourceVersion">The cluster resourceVersion the change produced.</param>
/// <param name="Path">Collection path, e.g. <c>api/v1/services</c>.</param>
/// <param name="Type"><c>ADDED</c>, <c>MODIFIED</c> or <c>DELETED</c>.</param>
/// <param name="Object">The object after the change (before it, for DELETED), with its resourceVersion set.</param>
public sealed record FakeWatchEvent(long ResourceVersion, string Path, string Type, JsonObject Object);
