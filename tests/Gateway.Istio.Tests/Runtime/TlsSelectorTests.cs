using System.Security.Authentication;
using PluginMesh.Plugins.Gateway.Istio.Runtime;
using PluginMesh.Plugins.Gateway.Istio.Tests.Runtime.Support;

namespace PluginMesh.Plugins.Gateway.Istio.Tests.Runtime;

public sealed class TlsSelectorTests
{
#pragma warning disable SYSLIB0039 // the old versions are part of the table
    public static TheoryData<SslProtocols, SslProtocols, SslProtocols> Versions() => new()
    {
        { SslProtocols.None, SslProtocols.None, SslProtocols.Tls12 | SslProtocols.Tls13 },
        { SslProtocols.Tls13, SslProtocols.None, SslProtocols.Tls13 },
        { SslProtocols.None, SslProtocols.Tls12, SslProtocols.Tls12 },
        { SslProtocols.Tls11, SslProtocols.Tls12, SslProtocols.Tls11 | SslProtocols.Tls12 },
        { SslProtocols.Tls, SslProtocols.None, SslProtocols.Tls | SslProtocols.Tls11 | SslProtocols.Tls12 | SslProtocols.Tls13 },
    };
#pragma warning restore SYSLIB0039

    [Theory]
    [MemberData(nameof(Versions))]
    public void Protocols_SpanMinToMax_NoneMeansTls12And13(SslProtocols min, SslProtocols max, SslProtocols expected) =>
        Assert.Equal(expected, TlsSelector.Protocols(min, max));

    [Fact]
    public void IssuedBy_AcceptsOnlyCertificatesOfTheGivenAuthorities()
    {
        using var ca = TestCertificates.Authority("client CA");
        using var other = TestCertificates.Authority("other CA");
        using var alice = TestCertificates.Issue(ca, false, "alice");
        using var mallory = TestCertificates.Issue(other, false, "mallory");

        Assert.True(TlsSelector.IssuedBy(alice, null, [ca]));
        Assert.False(TlsSelector.IssuedBy(mallory, null, [ca]));
        Assert.False(TlsSelector.IssuedBy(null, null, [ca]));
        Assert.False(TlsSelector.IssuedBy(alice, null, []));
    }
}
