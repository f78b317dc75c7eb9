using System.Globalization;

namespace FarmGateway.MqttIngestBench;

/// <summary>Command line: the defaults reproduce docs/benchmarks.md.</summary>
internal sealed record BenchOptions
{
    /// <summary>Measured messages per phase and run, split evenly over the publishers.</summary>
    public int Messages { get; init; } = 50_000;

    /// <summary>mosquitto_pub -l processes publishing at once, one sensor node (topic) each.</summary>
    public int Publishers { get; init; } = 5;

    /// <summary>Runs; each run measures both phases (mosquitto_sub first in odd runs, the gateway first in even ones).</summary>
    public int Runs { get; init; } = 5;

    /// <summary>Messages each sink receives before the measured load (the gateway's JIT, the connections warm).</summary>
    public int WarmUpMessages { get; init; } = 5_000;

    /// <summary>mosquitto's max_inflight_messages (outgoing QoS 1 messages per client not yet acknowledged); 20 is its default, 0 no limit.</summary>
    public int MaxInflight { get; init; } = 20;

    /// <summary>mosquitto's max_queued_messages: per client, beyond the in-flight window; must hold a whole run.</summary>
    public int MaxQueued { get; init; } = 1_000_000;

    /// <summary>Each phase gets a fresh folder below this one (broker config, payload files, the gateway's data directory).</summary>
    public string BaseDirectory { get; init; } = "/var/tmp";

    /// <summary>How long the gateway is left alone after start before its idle RSS is read.</summary>
    public TimeSpan IdleSettle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long each run may wait for the machine to be quiet before it starts anyway; zero: never wait.</summary>
    public TimeSpan QuietPatience { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Backlog mode: the sink is stopped (SIGSTOP) while the publishers send everything, so the
    /// broker queues it; then it is continued (SIGCONT) and timed until it holds every message.
    /// This measures how fast each sink takes what the broker delivers, without the publishers.
    /// </summary>
    public bool Backlog { get; init; }

    public int MessagesPerPublisher => Messages / Publishers;

    public const string Usage = """
        Usage: dotnet run -c Release --project bench/MqttIngestBench -- [options]
          --messages N        measured messages per phase and run (default 50000), split over the publishers
          --publishers N      mosquitto_pub -l processes at once, one topic esp/nodeN/sensor each (default 5)
          --runs N            runs; each measures mosquitto_sub and the gateway, alternating (default 5)
          --warmup N          messages each sink receives before the measured load (default 5000; 0: none)
          --inflight N        mosquitto max_inflight_messages (default 20, mosquitto's own default; 0: no limit)
          --max-queued N      mosquitto max_queued_messages (default 1000000)
          --dir PATH          where the per-phase folders go, the gateway's data directory included
                              (default /var/tmp; /dev/shm makes fsync free)
          --idle-seconds N    seconds the started gateway is left idle before its idle RSS is read (default 5)
          --quiet-seconds N   before each phase wait up to N s for the machine to be idle (default 60; 0: never)
          --backlog           the sink is paused (SIGSTOP) while everything is published, then continued and
                              timed: the broker delivers from its queue as fast as the sink acknowledges
          --quick             smoke test: 1 run of 5000 messages, warm-up 1000
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
                    "--messages" => options with { Messages = Count() },
                    "--publishers" => options with { Publishers = Count() },
                    "--runs" => options with { Runs = Count() },
                    "--warmup" => options with { WarmUpMessages = Count(min: 0) },
                    "--inflight" => options with { MaxInflight = Count(min: 0) },
                    "--max-queued" => options with { MaxQueued = Count(min: 0) },
                    "--dir" => options with { BaseDirectory = Value() },
                    "--idle-seconds" => options with { IdleSettle = TimeSpan.FromSeconds(Count(min: 0)) },
                    "--quiet-seconds" => options with { QuietPatience = TimeSpan.FromSeconds(Count(min: 0)) },
                    "--backlog" => options with { Backlog = true },
                    "--quick" => options with { Runs = 1, Messages = 5_000, WarmUpMessages = 1_000, IdleSettle = TimeSpan.FromSeconds(2) },
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
        // Message k of a publisher carries temperature k/1000 °C, so the outbox says which message each record was;
        // the gateway refuses 100 °C and above.
        if (options.Messages % options.Publishers != 0 || options.MessagesPerPublisher > 99_999 || options.WarmUpMessages % options.Publishers != 0)
        {
            error.WriteLine("--messages and --warmup must be multiples of --publishers, with at most 99999 messages per publisher.");
            error.WriteLine(Usage);
            return null;
        }
        return options;
    }
}
