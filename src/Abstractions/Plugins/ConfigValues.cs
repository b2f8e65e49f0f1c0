using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Configuration;

namespace PluginMesh.Abstractions.Plugins;

/// <summary>
/// Single values of a plugin's section, read as the bundled plugins' options readers do: a missing
/// key is the fallback; a bad one is reported to <c>error</c> (the key, a message quoting what was
/// written) and the fallback is kept, so that every problem of a section is found in one pass.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class ConfigValues
{
    /// <summary><c>true</c> or <c>false</c>, in any letter case.</summary>
    public static bool Bool(IConfiguration section, string key, bool fallback, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        var raw = section[key];
        if (raw is null) return fallback;
        if (bool.TryParse(raw, out var value)) return value;
        error(key, $"'{raw}' is not true or false");
        return fallback;
    }

    /// <summary>
    /// A whole number from <paramref name="min"/> to <paramref name="max"/>; a malformed and an
    /// out-of-range value get the one message <c>'…' is not a whole number from min to max</c>.
    /// </summary>
    public static T WholeNumber<T>(IConfiguration section, string key, T fallback, T min, T max, Action<string, string> error)
        where T : IBinaryInteger<T>
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        var raw = section[key];
        if (raw is null) return fallback;
        if (T.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        error(key, $"'{raw}' is not a whole number from {min} to {max}");
        return fallback;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int Int(IConfiguration section, string key, int fallback, int min, int max, Action<string, string> error)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(error);
        var raw = section[key];
        if (raw is null) return fallback;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            error(key, $"'{raw}' is not a whole number");
            return fallback;
        }
        if (value < min || value > max)
        {
            error(key, $"must be between {min} and {max} (got {value})");
            return fallback;
        }
        return value;
    }
}
