namespace PluginMesh.Host.Cli.Commands;

/// <summary><c>pluginmesh policy check|eval</c>: test a policy script before deploying it.</summary>
internal static class PolicyCommands
{
    public static CliCommand Check { get; } = new("policy check", "Compile a policy script and list the functions it defines", """
        Usage: pluginmesh policy check <file.js>
        """, (_, _) => Task.FromResult(1));

    public static CliCommand Eval { get; } = new("policy eval", "Run one policy function on JSON input and print the result", """
        Usage: pluginmesh policy eval <function> --file <file.js> --input <json>
        """, (_, _) => Task.FromResult(1));
}
