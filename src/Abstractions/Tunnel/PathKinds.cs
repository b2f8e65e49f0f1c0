namespace PluginMesh.Abstractions.Tunnel;

/// <summary>
/// The one text form of <see cref="PathKind"/> (<c>direct</c>, <c>hole-punched</c>, <c>relayed</c>),
/// as status pages, spans, logs and the CLI write it.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class PathKinds
{
    /// <summary><c>direct</c>, <c>hole-punched</c> or <c>relayed</c>.</summary>
    public static string ToText(this PathKind path) => path switch
    {
        PathKind.HolePunched => "hole-punched",
        PathKind.Relayed => "relayed",
        _ => "direct",
    };

    /// <summary>The kind written as <paramref name="text"/> by <see cref="ToText"/>; false for anything else.</summary>
    public static bool TryParse(string? text, out PathKind path)
    {
        switch (text)
        {
            case "direct":
                path = PathKind.Direct;
                return true;
            case "hole-punched":
                path = PathKind.HolePunched;
                return true;
            case "relayed":
                path = PathKind.Relayed;
                return true;
            default:
                path = default;
                return false;
        }
    }

    /// <summary>As <see cref="TryParse"/>, throwing for unknown text.</summary>
    /// <exception cref="FormatException">Not one of the three words; the message names the text.</exception>
    public static PathKind Parse(string text) =>
        TryParse(text, out var path) ? path : throw new FormatException($"path kind '{text}' is not direct, hole-punched or relayed");
}
