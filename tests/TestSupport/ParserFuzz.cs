namespace PluginMesh.TestSupport;

/// <summary>
/// Feeds a parser random, truncated and mutated input, a third of the rounds each: random bytes,
/// a prefix of a valid sample, a valid sample with up to three bytes changed. The one allowed outcome
/// for bad input is a <see cref="FormatException"/>; anything else escapes and fails the test.
/// </summary>
public static class ParserFuzz
{
    /// <param name="seed">Seed of the input sequence.</param>
    /// <param name="rounds">How many inputs.</param>
    /// <param name="validSamples">Well-formed inputs to truncate and mutate.</param>
    /// <param name="parse">The parser under test.</param>
    public static void OnlyFormatException(int seed, int rounds, byte[][] validSamples, Action<byte[]> parse)
    {
        ArgumentNullException.ThrowIfNull(validSamples);
        ArgumentNullException.ThrowIfNull(parse);
        var random = new Random(seed);
        for (var i = 0; i < rounds; i++)
        {
            var input = Input(random, i, validSamples);
            try
            {
                parse(input);
            }
            catch (FormatException)
            {
                // the one allowed outcome for bad input
            }
        }
    }

    private static byte[] Input(Random random, int round, byte[][] samples)
    {
        switch (round % 3)
        {
            case 0:
                var input = new byte[random.Next(0, 200)];
                random.NextBytes(input);
                return input;
            case 1:
                var sample = samples[random.Next(samples.Length)];
                return sample[..random.Next(0, sample.Length + 1)];
            default:
                var mutated = (byte[])samples[random.Next(samples.Length)].Clone();
                for (var m = 0; m < 3 && mutated.Length > 0; m++) mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
                return mutated;
        }
    }
}
