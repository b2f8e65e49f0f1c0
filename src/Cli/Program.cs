using System.Runtime.InteropServices;
using PluginMesh.Cli;
using PluginMesh.Cli.Commands;

using var cancel = new CancellationTokenSource();
// While `up` runs, the generic host owns SIGTERM/SIGINT (graceful, bounded stop); other commands are cancelled here.
void OnSignal(PosixSignalContext c)
{
    if (UpCommand.HostOwnsSignals) return;
    c.Cancel = true;
    cancel.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await CliApp.RunAsync(args, new CliIo(Console.Out, Console.Error, cancel.Token));
