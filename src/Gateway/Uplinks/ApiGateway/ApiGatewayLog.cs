using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.ApiGateway;

/// <summary>API Gateway uplink log events, ids 4250-4299. Never pass the API key or a signature here.</summary>
internal static partial class ApiGatewayLog
{
    [LoggerMessage(4250, LogLevel.Information, "API Gateway uplink: records go to {Endpoint} (auth {Auth}, gzip {Gzip})")]
    public static partial void Started(ILogger logger, string endpoint, ApiGatewayAuth auth, bool gzip);

    [LoggerMessage(4251, LogLevel.Error, "API Gateway uplink: Auth is ApiKey but no key is set; set the environment variable Gateway__Uplinks__ApiGateway__ApiKey for the service (or Auth None if the API needs no key). Records stay in the journal until then")]
    public static partial void ApiKeyMissing(ILogger logger);

    [LoggerMessage(4252, LogLevel.Error, "API Gateway uplink cannot send: {Problem}. Records stay in the journal until it is fixed")]
    public static partial void Misconfigured(ILogger logger, string problem);

    // Bounded by the worker's backoff (at most one failed send per retry), so not rate-limited here.
    [LoggerMessage(4253, LogLevel.Debug, "API Gateway uplink: {Records} record(s) not delivered ({Failure}): {Reason}")]
    public static partial void SendFailed(ILogger logger, int records, UplinkFailure failure, string reason);
}
