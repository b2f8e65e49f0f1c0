namespace PluginMesh.Plugins.Dns.Mdns.Forwarding;

/// <summary>Cache key: lowercase wire name (as Latin-1 text, one char per byte), type and class.</summary>
internal readonly record struct CacheKey(string Name, ushort Type, ushort Class);
