using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace PluginMesh.Plugins.Gateway.Istio.Config;

/// <summary>
/// The certificate of a TLS server from its <c>credentialName</c> Secret, in the Gateway's namespace:
/// <c>tls.crt</c> (the certificate, then any intermediates), <c>tls.key</c> (PKCS#1, PKCS#8 or EC), and for
/// MUTUAL the client CA from <c>ca.crt</c> or from the <c>&lt;name&gt;-cacert</c> Secret. Istio's generic
/// keys (<c>cert</c>, <c>key</c>, <c>cacert</c>) are read too. Keys stay ephemeral (never persisted), which
/// is what <c>SslStream</c> on Linux wants.
/// </summary>
internal static class SecretCertificates
{
    // Certificates are parsed again only when their Secret object changes, not on every catalog change.
    private static readonly ConditionalWeakTable<MeshResource, Loaded> Cache = [];

    /// <summary>The certificate, or null after a warning on <paramref name="field"/> (the <c>credentialName</c>).</summary>
    public static GatewayCertificate? Load(IReadOnlyDictionary<ResourceKey, MeshResource> resources, string ns, string credentialName, bool mutual, Field field)
    {
        if (!resources.TryGetValue(new ResourceKey("", IstioResources.SecretKind, ns, credentialName), out var secret))
        {
            field.Warn($"Secret {ns}/{credentialName} not found (a kubernetes.io/tls Secret in the Gateway's namespace); server skipped");
            return null;
        }

        resources.TryGetValue(new ResourceKey("", IstioResources.SecretKind, ns, credentialName + "-cacert"), out var caSecret);
        if (!mutual) caSecret = null;
        if (!Cache.TryGetValue(secret, out var loaded) || loaded.Mutual != mutual || !ReferenceEquals(loaded.CaSecret, caSecret))
        {
            if (Read(secret, caSecret, mutual, out var problem) is not { } certificate)
            {
                field.Warn($"Secret {ns}/{credentialName}: {problem}; server skipped");
                return null;
            }

            loaded = new Loaded(mutual, caSecret, certificate);
            Cache.AddOrUpdate(secret, loaded);
        }

        var notAfter = loaded.Certificate.Certificate.NotAfter.ToUniversalTime();
        if (notAfter < DateTime.UtcNow) field.Warn($"Secret {ns}/{credentialName}: the certificate expired at {notAfter:u} (served anyway)");
        return loaded.Certificate;
    }

    private static GatewayCertificate? Read(MeshResource secret, MeshResource? caSecret, bool mutual, out string? problem)
    {
        problem = null;
        if (Data(secret, out problem) is not { } data) return null;
        if (Entry(data, "tls.crt", "cert") is not { } certPem) return Fail<GatewayCertificate>("no tls.crt", out problem);
        if (Entry(data, "tls.key", "key") is not { } keyPem) return Fail<GatewayCertificate>("no tls.key", out problem);
        var caPem = Entry(data, "ca.crt", "cacert");
        if (mutual && caPem is null && caSecret is not null)
        {
            if (Data(caSecret, out var caProblem) is not { } caData) return Fail<GatewayCertificate>($"{caSecret.Key.Name}: {caProblem}", out problem);
            caPem = Entry(caData, "ca.crt", "cacert");
        }

        if (mutual && caPem is null) return Fail<GatewayCertificate>($"MUTUAL needs a client CA: no ca.crt in it or in a Secret {secret.Key.Name}-cacert", out problem);
        try
        {
            var certificate = X509Certificate2.CreateFromPem(certPem, keyPem);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPem(certPem);
            var intermediates = chain.Where(c => !c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span)).ToArray();
            X509Certificate2[] clientCa = [];
            if (mutual)
            {
                var cas = new X509Certificate2Collection();
                cas.ImportFromPem(caPem!);
                if (cas.Count == 0) return Fail<GatewayCertificate>("ca.crt holds no certificate", out problem);
                clientCa = [.. cas];
            }

            var fingerprint = Convert.ToHexStringLower(SHA256.HashData(certificate.RawDataMemory.Span));
            return new GatewayCertificate(IstioResources.Id(secret.Key), certificate, clientCa, fingerprint) { Intermediates = intermediates };
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return Fail<GatewayCertificate>($"unreadable certificate or key: {e.Message}", out problem);
        }
    }

    // The Secret's data (base64, as the API gives it) or stringData (as a manifest may), decoded to text.
    private static Dictionary<string, string>? Data(MeshResource secret, out string? problem)
    {
        problem = null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(secret.Json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Fail<Dictionary<string, string>>("not a JSON object", out problem);
            foreach (var (member, base64) in new[] { ("stringData", false), ("data", true) })
            {
                if (!root.TryGetProperty(member, out var values) || values.ValueKind == JsonValueKind.Null) continue;
                if (values.ValueKind != JsonValueKind.Object) return Fail<Dictionary<string, string>>($"{member} is not an object", out problem);
                foreach (var value in values.EnumerateObject())
                {
                    if (value.Value.ValueKind != JsonValueKind.String) return Fail<Dictionary<string, string>>($"{member}.{value.Name} is not a string", out problem);
                    var text = value.Value.GetString()!;
                    result[value.Name] = base64 ? Encoding.UTF8.GetString(Convert.FromBase64String(text)) : text;
                }
            }

            return result;
        }
        catch (JsonException e)
        {
            return Fail<Dictionary<string, string>>($"not valid JSON: {e.Message}", out problem);
        }
        catch (FormatException)
        {
            return Fail<Dictionary<string, string>>("data holds a value that is not base64", out problem);
        }
    }

    private static string? Entry(Dictionary<string, string> data, string name, string istioName) =>
        data.TryGetValue(name, out var value) && value.Length > 0 ? value :
        data.TryGetValue(istioName, out value) && value.Length > 0 ? value : null;

    private static T? Fail<T>(string text, out string? problem)
        where T : class
    {
        problem = text;
        return null;
    }

    private sealed record Loaded(bool Mutual, MeshResource? CaSecret, GatewayCertificate Certificate);
}
