using Makaretu.Dns;

namespace PluginMesh.Plugins.Dns.Mdns.Tests.Support;

/// <summary>Renders record data as the text the answer tables use.</summary>
public static class RecordText
{
    public static string Render(ResourceRecord record) => record switch
    {
        ARecord a => a.Address.ToString(),
        AAAARecord a => a.Address.ToString(),
        SRVRecord s => $"{s.Priority} {s.Weight} {s.Port} {s.Target}",
        PTRRecord p => p.DomainName.ToString(),
        SOARecord s => s.PrimaryName.ToString(),
        _ => record.ToString(),
    };
}
