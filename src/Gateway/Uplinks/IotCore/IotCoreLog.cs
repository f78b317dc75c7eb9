using Microsoft.Extensions.Logging;

namespace FarmGateway.Uplinks.IotCore;

/// <summary>
/// AWS IoT Core uplink log events, ids 4300-4349. The MQTT client underneath logs its connection
/// changes itself (ids 5000-5049) under this uplink's category. File names only, never key material.
/// </summary>
internal static partial class IotCoreLog
{
    [LoggerMessage(4300, LogLevel.Information, "AWS IoT Core uplink: records go to topic {Topic} at {Endpoint} as client {ClientId}")]
    public static partial void Started(ILogger logger, string topic, string endpoint, string clientId);

    [LoggerMessage(4301, LogLevel.Error, "AWS IoT Core uplink cannot send: {Problem}. Records stay in the journal until it is fixed")]
    public static partial void Misconfigured(ILogger logger, string problem);

    [LoggerMessage(4302, LogLevel.Error, "AWS IoT Core uplink: {Key} {Path} does not exist (it is read again at every connection attempt). Records stay in the journal until it is there")]
    public static partial void FileMissing(ILogger logger, string key, string path);

    // Bounded by the worker's backoff (at most one failed send per retry), so not rate-limited here.
    [LoggerMessage(4303, LogLevel.Debug, "AWS IoT Core uplink: {Records} record(s) not delivered ({Failure}): {Reason}")]
    public static partial void SendFailed(ILogger logger, int records, UplinkFailure failure, string reason);

    [LoggerMessage(4304, LogLevel.Debug, "AWS IoT Core uplink: {Records} of {Batch} record(s) not acknowledged: {Reason}")]
    public static partial void NotAcknowledged(ILogger logger, int records, int batch, string reason);

    [LoggerMessage(4305, LogLevel.Warning, "AWS IoT Core uplink: no PUBACK from {Endpoint} within {Timeout} while connected; dropping the connection, the records are sent again")]
    public static partial void AckTimeout(ILogger logger, string endpoint, TimeSpan timeout);

    [LoggerMessage(4306, LogLevel.Warning, "AWS IoT Core uplink: the MQTT client did not stop cleanly; records not acknowledged stay in the journal")]
    public static partial void StopFailed(ILogger logger, Exception exception);
}
