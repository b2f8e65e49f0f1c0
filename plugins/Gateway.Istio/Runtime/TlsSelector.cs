using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace PluginMesh.Plugins.Gateway.Istio.Runtime;

/// <summary>
/// The TLS settings of one handshake on an HTTPS port, chosen by SNI from the listener in effect at
/// that moment — so a rotated certificate is served from the next handshake on, without a restart.
/// Certificate contexts (the chain built once) are kept per fingerprint. Thread-safe.
/// </summary>
internal sealed class TlsSelector
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    private readonly ConcurrentDictionary<string, SslStreamCertificateContext> _contexts = new(StringComparer.Ordinal);

    /// <summary>Options for a client that asked for <paramref name="serverName"/> on <paramref name="listener"/>; throws <see cref="AuthenticationException"/> (the handshake fails) when no server has a certificate for it.</summary>
    public SslServerAuthenticationOptions Select(GatewayListener listener, string? serverName)
    {
        var server = listener.ServerForSni(string.IsNullOrEmpty(serverName) ? null : serverName);
        if (server?.Tls is not { Certificate: { } certificate } tls)
            throw new AuthenticationException($"no certificate for '{serverName}' on port {listener.Port}");
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _contexts.GetOrAdd(certificate.Fingerprint, _ => SslStreamCertificateContext.Create(certificate.Certificate, null, offline: true)),
            EnabledSslProtocols = Protocols(tls.MinVersion, tls.MaxVersion),
            ApplicationProtocols = Alpn,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (tls.Mode == GatewayTlsMode.Mutual)
        {
            options.ClientCertificateRequired = true;
            var authorities = certificate.ClientCa;
            options.RemoteCertificateValidationCallback = (_, presented, chain, _) => IssuedBy(presented, chain, authorities);
        }
        return options;
    }

    /// <summary>Forgets contexts of certificates <paramref name="config"/> no longer has.</summary>
    public void Prune(GatewayConfig config)
    {
        var current = config.Listeners.Values.SelectMany(l => l.Servers).Select(s => s.Tls?.Certificate?.Fingerprint).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var fingerprint in _contexts.Keys)
        {
            if (!current.Contains(fingerprint)) _contexts.TryRemove(fingerprint, out _);
        }
    }

    /// <summary>The versions from <paramref name="min"/> to <paramref name="max"/> (None: TLS 1.2 and 1.3 at the ends).</summary>
    internal static SslProtocols Protocols(SslProtocols min, SslProtocols max)
    {
#pragma warning disable SYSLIB0039 // TLS 1.0/1.1 only when a Gateway asks for them explicitly.
        SslProtocols[] order = [SslProtocols.Tls, SslProtocols.Tls11, SslProtocols.Tls12, SslProtocols.Tls13];
#pragma warning restore SYSLIB0039
        var low = min == SslProtocols.None ? 2 : Array.IndexOf(order, min);
        var high = max == SslProtocols.None ? 3 : Array.IndexOf(order, max);
        if (low < 0) low = 2;
        if (high < 0 || high < low) high = 3;
        var result = SslProtocols.None;
        for (var i = low; i <= high; i++) result |= order[i];
        return result;
    }

    /// <summary>True when the client's certificate chains to one of <paramref name="authorities"/>.</summary>
    internal static bool IssuedBy(X509Certificate? presented, X509Chain? sent, IReadOnlyList<X509Certificate2> authorities)
    {
        if (presented is null || authorities.Count == 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities.ToArray());
        if (sent is not null)
        {
            // Intermediates the client sent along.
            foreach (var element in sent.ChainElements) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        var leaf = presented as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        try
        {
            return chain.Build(leaf);
        }
        finally
        {
            if (!ReferenceEquals(leaf, presented)) leaf.Dispose();
        }
    }
}
