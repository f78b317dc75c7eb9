using System.Globalization;

namespace FarmGateway.JournalBench;

/// <summary>Command line: every count has a default that reproduces docs/benchmarks.md.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 3;

    /// <summary>Each run gets a fresh directory below this one; it must be on the disk under test, not tmpfs.</summary>
    public string BaseDirectory { get; init; } = "/var/tmp";

    public long BurstReadings { get; init; } = 500_000;
    public long FsyncReadings { get; init; } = 2_000;
    public TimeSpan BarnTime { get; init; } = TimeSpan.FromMinutes(15);
    public int Sensors { get; init; } = 20;

    /// <summary>Length of the real-clock barn run that checks the simulated ones; zero skips it.</summary>
    public TimeSpan RealTime { get; init; } = TimeSpan.FromSeconds(60);
    public bool Profile { get; init; }

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/JournalBench -- [options]
          --runs N             runs per configuration (default 3; median and range reported)
          --dir PATH           where the temporary journals go (default /var/tmp; tmpfs is refused)
          --burst-readings N   appends per default-flush burst run (default 500000)
          --fsync-readings N   appends per fsync-per-append run (default 2000)
          --barn-minutes N     simulated minutes per group-commit barn run (default 15)
          --sensors N          readings per simulated second in barn runs (default 20)
          --real-seconds N     length of the default-flush barn run on the real clock that
                               checks the simulated ones (default 60; 0 skips it)
          --profile            also time writes and fsyncs inside the journal, and a bare-write floor
          --quick              smoke test: 1 run, a tenth of the counts
        """;

    /// <summary>Null (after printing why) when the arguments are wrong.</summary>
    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            long Count(long min = 1) => long.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n : throw new FormatException($"{args[i - 1]} needs a whole number of at least {min}, not \"{args[i]}\".");
            try
            {
                options = args[i] switch
                {
                    "--runs" => options with { Runs = (int)Count() },
                    "--dir" => options with { BaseDirectory = Value() },
                    "--burst-readings" => options with { BurstReadings = Count() },
                    "--fsync-readings" => options with { FsyncReadings = Count() },
                    "--barn-minutes" => options with { BarnTime = TimeSpan.FromMinutes(Count()) },
                    "--sensors" => options with { Sensors = (int)Count() },
                    "--real-seconds" => options with { RealTime = TimeSpan.FromSeconds(Count(min: 0)) },
                    "--profile" => options with { Profile = true },
                    "--quick" => options with
                    {
                        Runs = 1,
                        BurstReadings = options.BurstReadings / 10,
                        FsyncReadings = options.FsyncReadings / 10,
                        BarnTime = options.BarnTime / 10,
                        RealTime = options.RealTime / 10,
                    },
                    "-h" or "--help" => throw new FormatException(""),
                    _ => throw new FormatException($"Unknown option {args[i]}."),
                };
            }
            catch (FormatException e)
            {
                if (e.Message.Length > 0) error.WriteLine(e.Message);
                error.WriteLine(Usage);
                return null;
            }
        }
        return options;
    }
}
