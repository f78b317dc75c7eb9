using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FarmGateway.Uplinks.Http;

/// <summary>
/// The short transient layer every HTTP uplink shares (Polly): a timeout per attempt and a few
/// quick retries with jitter for faults that usually pass within a second (connection reset,
/// 500/502/503/504, a timed-out attempt). Throttling is not retried here: the worker paces a
/// throttled uplink. Anything longer is the worker's backoff while the journal holds the data.
/// Each attempt builds a new request, so a signing handler signs every attempt afresh.
/// </summary>
public static class UplinkHttp
{
    public static readonly TimeSpan QuickRetryDelay = TimeSpan.FromMilliseconds(200);

    public static ResiliencePipeline<HttpResponseMessage> CreatePipeline(TimeSpan attemptTimeout, int quickRetries, TimeProvider time)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (quickRetries > 0)
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = quickRetries,
                Delay = QuickRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            });
        builder.AddTimeout(attemptTimeout);
        return builder.Build();
    }

    /// <summary>True for outcomes worth a quick retry: connection errors, timed-out attempts, 500/502/503/504.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or TimeoutRejectedException or IOException } => true,
        { Result: { } response } => IsTransientStatus(response.StatusCode),
        _ => false,
    };

    public static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    /// <summary>
    /// Runs one request through the pipeline; <paramref name="build"/> makes a fresh request per
    /// attempt. Connection errors and timeouts come out as <see cref="UplinkFailure.Transient"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(
        ResiliencePipeline<HttpResponseMessage> pipeline, HttpClient client, Func<HttpRequestMessage> build,
        string what, CancellationToken cancellationToken)
    {
        try
        {
            return await pipeline.ExecuteAsync(
                async ct => await client.SendAsync(build(), HttpCompletionOption.ResponseContentRead, ct),
                cancellationToken);
        }
        catch (TimeoutRejectedException e)
        {
            throw new UplinkException(UplinkFailure.Transient, $"{what}: no answer within {e.Timeout.TotalSeconds:0.#} s", e);
        }
        catch (HttpRequestException e)
        {
            throw new UplinkException(UplinkFailure.Transient, $"{what}: {Describe(e)}", e);
        }
        catch (IOException e)
        {
            throw new UplinkException(UplinkFailure.Transient, $"{what}: connection lost ({e.Message})", e);
        }
    }

    /// <summary>A short description of a connection failure for the technician, e.g. "connection refused (127.0.0.1:4567)".</summary>
    public static string Describe(HttpRequestException e) =>
        e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => $"host name not found ({e.Message})",
            HttpRequestError.ConnectionError => $"cannot connect ({e.InnerException?.Message ?? e.Message})",
            HttpRequestError.SecureConnectionError => $"TLS handshake failed ({e.InnerException?.Message ?? e.Message})",
            _ => e.InnerException?.Message ?? e.Message,
        };

    /// <summary>Retry-After as a delay, when the far side sent one.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } when date > time.GetUtcNow() => date - time.GetUtcNow(),
            _ => null,
        };
}
