using FarmGateway.Cli;
using FarmGateway.Hosting;

// Everything lives in Hosting/GatewayHost: configuration first (exit 78 on problems), then the host.
// "check-sensors" reads each configured sensor once and exits (Cli/SensorCheck).
return args is [SensorCheck.Verb, .. var rest]
    ? await SensorCheck.RunAsync(rest, Console.Out)
    : await GatewayHost.RunAsync(args);
