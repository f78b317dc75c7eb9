using FarmGateway.MqttIngestBench;

// MQTT ingest through the real gateway process against a plain mosquitto_sub (issue 6); see README.md next to this file.
if (!OperatingSystem.IsLinux())
{
    Console.Error.WriteLine("This benchmark reads /proc for CPU and memory and needs Linux.");
    return 2;
}
var options = BenchOptions.Parse(args, Console.Error);
return options is null ? 64 : await IngestBenchmark.RunAsync(options, Console.Out, Console.Error);
