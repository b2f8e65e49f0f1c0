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
        // The names and numbers of the spec's enum, from the reference schema (Protocol/Reference/circuit.proto).
        var reference = typeof(Reference.Status).GetFields(BindingFlags.Public | BindingFlags.Static).ToList();
        Assert.Equal(reference.Count, Enum.GetValues<Status>().Length);
        foreach (var field in reference)
        {
            var proto = field.GetCustomAttribute<OriginalNameAttribute>()!.Name;
            var number = (int)field.GetValue(null)!;
            Assert.True(Enum.IsDefined((Status)number), $"{proto} ({number}) is missing from the plugin's Status");
            Assert.Equal(proto, StatusNames.Wire((Status)number));
        }
        Assert.Equal("RESERVATION_REFUSED", StatusNames.Wire(Status.ReservationRefused));
        Assert.Equal("999", StatusNames.Wire((Status)999));
    }
}
