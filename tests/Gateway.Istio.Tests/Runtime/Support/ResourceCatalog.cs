using System.Security.Cryptography.X509Certificates;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

/// <summary>An <see cref="IServiceCatalog"/> whose snapshots carry the Istio objects and Secrets a test publishes.</summary>
internal sealed class ResourceCatalog : IServiceCatalog
{
    private CatalogSnapshot _current = CatalogSnapshot.Empty;

    public CatalogSnapshot Current => Volatile.Read(ref _current);

    public event Action<CatalogSnapshot>? Changed;

    /// <summary>Publishes exactly <paramref name="resources"/> at the next version.</summary>
    public void Publish(params MeshResource[] resources)
    {
        var next = CatalogSnapshot.Empty with { Version = Current.Version + 1, Resources = resources.ToDictionary(r => r.Key) };
        Volatile.Write(ref _current, next);
        Changed?.Invoke(next);
    }

    public static MeshResource Istio(string kind, string ns, string name, string spec) =>
        new(new ResourceKey("networking.istio.io", kind, ns, name), "networking.istio.io/v1",
            $$$"""{"apiVersion":"networking.istio.io/v1","kind":"{{{kind}}}","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}"},"spec":""" + spec + "}");

    public static MeshResource TlsSecret(string ns, string name, X509Certificate2 certificate)
    {
        var crt = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()));
        var key = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem()));
        return new(new ResourceKey("", "Secret", ns, name), "v1",
            $$$"""{"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}"},"data":{"tls.crt":"{{{crt}}}","tls.key":"{{{key}}}"}}""");
    }
}
