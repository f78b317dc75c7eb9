using FarmGateway.JournalBench;

// Journal append throughput and write amplification; see README.md next to this file.
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("This benchmark reads /proc/self/io and needs Linux.");
    return 2;
}
var options = BenchOptions.Parse(args, Console.Error);
return options is null ? 64 : JournalBenchmark.Run(options, Console.Out, Console.Error);
