using FarmGateway.Hosting;

// Everything lives in Hosting/GatewayHost: configuration first (exit 78 on problems), then the host.
return await GatewayHost.RunAsync(args);
