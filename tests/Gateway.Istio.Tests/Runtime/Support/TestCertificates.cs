using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>Certificates made for a test: a CA, and server or client certificates it issues.</summary>
internal static class TestCertificates
{
    public static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return Reload(request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1)));
    }

    /// <summary>A certificate for <paramref name="names"/> signed by <paramref name="issuer"/>, with its key; for a server or a client.</summary>
    public static X509Certificate2 Issue(X509Certificate2 issuer, bool server, params string[] names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var n in names) san.AddDnsName(n);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(8);
        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return Reload(signed.CopyWithPrivateKey(key));
    }

    /// <summary>The model's certificate record for a server certificate.</summary>
    public static GatewayCertificate Gateway(X509Certificate2 certificate, params X509Certificate2[] clientCa) =>
        new("istio-system/" + certificate.GetNameInfo(X509NameType.SimpleName, false), certificate, clientCa,
            Convert.ToHexStringLower(certificate.GetCertHash(HashAlgorithmName.SHA256)));

    // A PFX round trip: on Linux an ephemeral key works for SslStream only from a loaded PKCS#12.
    private static X509Certificate2 Reload(X509Certificate2 certificate)
    {
        using (certificate) return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
