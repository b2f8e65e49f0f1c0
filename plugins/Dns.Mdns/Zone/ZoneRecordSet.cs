namespace PluginMesh.Plugins.Dns.Mdns.Zone;

/// <summary>
/// The records of one type at one name, already encoded as an answer section: each record's owner
/// is the pointer 0xC00C, i.e. the question name, which every response places at offset 12. Serving
/// a query is then one copy.
/// </summary>
/// <param name="Type">Record type (255 for the ANY set).</param>
/// <param name="Count">Number of records in <paramref name="Wire"/>.</param>
/// <param name="Wire">The encoded records.</param>
internal sealed record ZoneRecordSet(ushort Type, ushort Count, byte[] Wire);
