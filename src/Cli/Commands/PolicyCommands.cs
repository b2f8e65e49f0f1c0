using PluginMesh.Host.Policies;

namespace PluginMesh.Cli.Commands;

/// <summary><c>pluginmesh policy check|eval</c>: test a policy script before deploying it.</summary>
internal static class PolicyCommands
{
    public static CliCommand Check { get; } = new("policy check", "Compile a policy script and list the functions it defines", $"""
        Usage: pluginmesh policy check <file.js>

        Loads the script in the same sandbox the agent uses and lists the policy functions it
        defines ({string.Join(", ", PolicyEvaluator.Functions)}).
        Prints every error as file:line:col: message and exits 1 when there is any.
        """, async (argv, io) =>
        {
            var args = new CliArgs(argv, [], []);
            if (args.Positionals.Count != 1) throw new UsageException("policy check takes exactly one file");
            var result = PolicyCheck.Check(args.Positionals[0]);
            foreach (var e in result.Errors) await io.Out.WriteLineAsync("error: " + e);
            if (result.Ok) await io.Out.WriteLineAsync($"ok: {result.File} defines {string.Join(", ", result.Functions)}");
            return result.Ok ? 0 : 1;
        });

    public static CliCommand Eval { get; } = new("policy eval", "Run one policy function on JSON input and print the result", $"""
        Usage: pluginmesh policy eval <function> --file <file.js> --input <json | @file>

        Runs FUNCTION from FILE on INPUT in the agent's sandbox and prints the answer as JSON.
        FUNCTION is one of {string.Join(", ", PolicyEvaluator.Functions)}.
        When the script fails (error, timeout, invalid answer) the built-in default answers
        instead: the output then carries "fallback": true and the reason, exactly as the agent
        would log it, and the exit code is 3. A field of INPUT that is missing, mistyped or
        unknown is an error naming it (exit 1).
        See policies/README.md for each function's input and output.
        """, async (argv, io) =>
        {
            var args = new CliArgs(argv, ["file", "input"], []);
            if (args.Positionals.Count != 1) throw new UsageException("policy eval takes one function name");
            var file = args.Value("file") ?? throw new UsageException("--file is required");
            var input = args.Value("input") ?? throw new UsageException("--input is required");
            if (input.StartsWith('@')) input = await File.ReadAllTextAsync(input[1..], io.Cancel);
            PolicyEvaluation result;
            try
            {
                result = PolicyEvaluator.Evaluate(args.Positionals[0], file, input);
            }
            catch (Exception ex) when (ex is PolicyInputException or ArgumentException)
            {
                await io.Error.WriteLineAsync($"pluginmesh: {ex.Message}");
                return 1;
            }
            await io.Out.WriteLineAsync(result.Json);
            if (result.Fallback) await io.Error.WriteLineAsync($"fallback: {result.Reason}");
            return result.Fallback ? 3 : 0;
        });
}
