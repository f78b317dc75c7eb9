using FarmGateway.KinesisBench;

// Backlog drain into kinesalite against a bare PutRecords loop (issue 4); see README.md next to this file.
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("This benchmark reads /proc for CPU times and needs Linux.");
    return 2;
}
var options = BenchOptions.Parse(args, Console.Error);
return options is null ? 64 : await KinesisBenchmark.RunAsync(options, Console.Out, Console.Error);
