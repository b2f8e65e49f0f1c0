using System.Reflection;
using Google.Protobuf.Reflection;
using PluginMesh.Plugins.Tunnel.Relay.Protocol;

namespace PluginMesh.Plugins.Tunnel.Relay.Tests.Protocol;

/// <summary>Metrics (<c>pluginmesh.relay.refusals{status}</c>), logs and errors name statuses as the spec does.</summary>
public sealed class StatusNamesTests
{
    [Fact]
    public void Wire_IsTheProtoName_ForEveryStatus()
    {
        foreach (var field in typeof(Status).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var proto = field.GetCustomAttribute<OriginalNameAttribute>()!.Name;
            Assert.Equal(proto, StatusNames.Wire((Status)field.GetValue(null)!));
        }
        Assert.Equal("RESERVATION_REFUSED", StatusNames.Wire(Status.ReservationRefused));
        Assert.Equal("999", StatusNames.Wire((Status)999));
    }
}
