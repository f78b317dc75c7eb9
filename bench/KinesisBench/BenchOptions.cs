using System.Globalization;

namespace FarmGateway.KinesisBench;

/// <summary>Command line: every count has a default that reproduces docs/benchmarks.md.</summary>
internal sealed record BenchOptions
{
    /// <summary>Runs per phase; phases alternate raw, gateway, raw, gateway, ...</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Readings per run: what is queued in the journal before the uplink starts, and what the raw loop sends.</summary>
    public int Records { get; init; } = 200_000;

    /// <summary>
    /// Shards of each stream. kinesalite never throttles, so this only changes its own work;
    /// 4 is what the integration tests use and a small production stream has.
    /// </summary>
    public int Shards { get; init; } = 4;

    /// <summary>Distinct sensors in the records, i.e. distinct partition keys (PartitionKey = Sensor).</summary>
    public int Sensors { get; init; } = 20;

    /// <summary>
    /// Records of the unreported warm-up run of each phase (the JIT), and what every fresh
    /// kinesalite takes before it is measured (node's JIT, its heap grown).
    /// </summary>
    public int WarmUpRecords { get; init; } = 50_000;

    /// <summary>Each gateway run gets a fresh data directory below this one.</summary>
    public string BaseDirectory { get; init; } = "/var/tmp";

    /// <summary>How long each run may wait for the machine to be quiet before it starts anyway; zero: never wait.</summary>
    public TimeSpan QuietPatience { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Also run <see cref="ProfileRuns"/>: where the client's time goes.</summary>
    public bool Profile { get; init; }

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/KinesisBench -- [options]
          --records N         readings per run (default 200000)
          --runs N            runs per phase, raw and gateway alternating (default 5; median and range reported)
          --shards N          shards of each stream (default 4)
          --sensors N         distinct sensors = partition keys (default 20)
          --warmup-records N  records of the unreported warm-up run of each phase, and what each fresh
                              kinesalite takes before it is measured (default 50000; 0 skips both)
          --dir PATH          where the temporary gateway data directories go (default /var/tmp)
          --quiet-seconds N   before each run, wait up to N s for the machine to be idle (below a
                              quarter of a core busy for 1 s) (default 120; 0 never waits)
          --profile           also: both phases against an in-process far side that answers at once,
                              and the gateway's steps per batch timed one by one
          --quick             smoke test: 1 run of 20000 records, warm-up 5000
        """;

    /// <summary>Null (after printing why) when the arguments are wrong.</summary>
    public static BenchOptions? Parse(string[] args, TextWriter error)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            int Count(int min = 1) => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
                ? n : throw new FormatException($"{args[i - 1]} needs a whole number of at least {min}, not \"{args[i]}\".");
            try
            {
                options = args[i] switch
                {
                    "--records" => options with { Records = Count() },
                    "--runs" => options with { Runs = Count() },
                    "--shards" => options with { Shards = Count() },
                    "--sensors" => options with { Sensors = Count() },
                    "--warmup-records" => options with { WarmUpRecords = Count(min: 0) },
                    "--dir" => options with { BaseDirectory = Value() },
                    "--quiet-seconds" => options with { QuietPatience = TimeSpan.FromSeconds(Count(min: 0)) },
                    "--profile" => options with { Profile = true },
                    "--quick" => options with { Runs = 1, Records = 20_000, WarmUpRecords = 5_000 },
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
