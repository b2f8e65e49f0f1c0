using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Config;

/// <summary>A CA and certificates it signs, made in the test, as PEM text the way Secrets hold them.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly RSA caKey = RSA.Create(2048);

    public TestCertificates(string caName = "test-ca")
    {
        var request = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Ca { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public enum KeyFormat
    {
        RsaPkcs1,
        RsaPkcs8,
        EcSec1,
        EcPkcs8,
    }

    /// <summary>A server certificate for <paramref name="dnsName"/>: (certificate PEM, key PEM).</summary>
    public (string CertPem, string KeyPem) Server(string dnsName, KeyFormat format = KeyFormat.RsaPkcs1, bool clientAuth = false, DateTimeOffset? notAfter = null)
    {
        using AsymmetricAlgorithm key = format is KeyFormat.EcSec1 or KeyFormat.EcPkcs8 ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : RSA.Create(2048);
        var request = key is ECDsa ec
            ? new CertificateRequest($"CN={dnsName}", ec, HashAlgorithmName.SHA256)
            : new CertificateRequest($"CN={dnsName}", (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [clientAuth ? new Oid("1.3.6.1.5.5.7.3.2") : new Oid("1.3.6.1.5.5.7.3.1")], false));
        var serial = RandomNumberGenerator.GetBytes(12);
        using var certificate = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddDays(10), serial);
        var keyPem = format switch
        {
            KeyFormat.RsaPkcs1 => ((RSA)key).ExportRSAPrivateKeyPem(),
            KeyFormat.EcSec1 => ((ECDsa)key).ExportECPrivateKeyPem(),
            _ => key.ExportPkcs8PrivateKeyPem(),
        };
        return (certificate.ExportCertificatePem(), keyPem);
    }

    public void Dispose()
    {
        Ca.Dispose();
        caKey.Dispose();
    }
}
