namespace PluginMesh.Plugins.Dns.Mdns.Mdns;

/// <summary>The outcome of reading one packet.</summary>
/// <param name="Kind">What it was.</param>
/// <param name="Reason">Why it was dropped (meaningful for <see cref="MdnsPacketKind.Dropped"/> only).</param>
/// <param name="Announcement">The peer announced (for <see cref="MdnsPacketKind.Announcement"/> only).</param>
internal readonly record struct MdnsPacket(MdnsPacketKind Kind, MdnsDropReason Reason, MdnsAnnouncement? Announcement)
{
    public static MdnsPacket Query => new(MdnsPacketKind.Query, default, null);

    public static MdnsPacket Ignored => new(MdnsPacketKind.Ignored, default, null);

    public static MdnsPacket Drop(MdnsDropReason reason) => new(MdnsPacketKind.Dropped, reason, null);

    public static MdnsPacket Of(MdnsAnnouncement announcement) => new(MdnsPacketKind.Announcement, default, announcement);
}
