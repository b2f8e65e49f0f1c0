using System.Net.Sockets;

namespace PluginMesh.Plugins.Catalog.Kubernetes.Mapping;

/// <summary>Strict IP parsing: <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> also accepts shorthands like "10.1".</summary>
internal static class AddressParser
{
    public static bool TryParse(string? text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text is null || !IPAddress.TryParse(text, out var parsed)) return false;
        if (parsed.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3) return false;
        address = parsed;
        return true;
    }
}
