using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace ServiceCounter;

/// <summary>The plugin's section, <c>plugins.stats.servicecounter</c>.</summary>
/// <param name="Namespace">Count only the services of this namespace; null counts every namespace.</param>
public sealed partial record ServiceCounterOptions(string? Namespace)
{
    // `enabled` belongs to the host but sits in every plugin section.
    private static readonly string[] Keys = ["enabled", "namespace"];

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();

    /// <summary>Reads <paramref name="section"/>, reporting every problem (key relative to the section, message) rather than stopping at the first.</summary>
    public static ServiceCounterOptions Read(IConfiguration section, Action<string, string> report)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var child in section.GetChildren())
        {
            if (!Keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase)) report(child.Key, $"unknown key; expected one of: {string.Join(", ", Keys)}");
        }
        var ns = section["namespace"];
        if (string.IsNullOrEmpty(ns)) return new((string?)null);
        if (NamespaceName().IsMatch(ns)) return new(ns);
        report("namespace", $"'{ns}' is not a namespace name (lower-case letters, digits and '-', at most 63)");
        return new((string?)null);
    }
}
