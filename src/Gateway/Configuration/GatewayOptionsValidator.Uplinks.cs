using System.Globalization;
using System.Text.RegularExpressions;
using FarmGateway.Uplinks.ApiGateway;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.Configuration;

// Rules of the cloud uplinks' sections; only checked for an enabled uplink.
public sealed partial class GatewayOptionsValidator
{
    public static readonly TimeSpan MaxBatchInterval = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinRequestTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRequestTimeout = TimeSpan.FromMinutes(2);
    private const long MinRecordBytes = 1024;

    private static void CheckKinesis(List<ConfigProblem> problems, KinesisUplinkOptions kinesis)
    {
        const string key = $"{GatewayOptions.SectionName}:Uplinks:Kinesis";
        if (!kinesis.Enabled) return;
        if (string.IsNullOrWhiteSpace(kinesis.StreamName))
            problems.Add(new($"{key}:StreamName", null, "is missing; the Kinesis uplink needs the data stream's name"));
        else if (!StreamNamePattern().IsMatch(kinesis.StreamName))
            problems.Add(new($"{key}:StreamName", kinesis.StreamName, "is not a valid stream name; allowed: 1 to 128 characters from A-Z a-z 0-9 _ . -"));
        CheckRegion(problems, $"{key}:Region", kinesis.Region, required: kinesis.ServiceUrl is null,
            "Kinesis needs a region: set it here or AWS_REGION in the service environment");
        if (kinesis.ServiceUrl is { } url && !IsHttpUrl(url, out _))
            problems.Add(new($"{key}:ServiceUrl", url, "must be an absolute http(s) URL, e.g. http://127.0.0.1:4567 for kinesalite; leave it out for AWS"));
        if (kinesis.MaxBatchRecords is < 1 or > KinesisUplinkOptions.MaxRecordsPerRequest)
            problems.Add(new($"{key}:MaxBatchRecords", Number(kinesis.MaxBatchRecords), $"must be between 1 and {KinesisUplinkOptions.MaxRecordsPerRequest} (the PutRecords limit)"));
        if (kinesis.MaxRecordBytes is < MinRecordBytes or > KinesisUplinkOptions.MaxAllowedRecordBytes)
            problems.Add(new($"{key}:MaxRecordBytes", Number(kinesis.MaxRecordBytes),
                $"must be between {MinRecordBytes} and {KinesisUplinkOptions.MaxAllowedRecordBytes} (10 MiB, for streams with raised limits); the default is 1 MiB"));
        else if (kinesis.MaxBatchBytes < kinesis.MaxRecordBytes || kinesis.MaxBatchBytes > KinesisUplinkOptions.MaxAllowedRequestBytes)
            problems.Add(new($"{key}:MaxBatchBytes", Number(kinesis.MaxBatchBytes),
                $"must be between MaxRecordBytes ({kinesis.MaxRecordBytes}) and {KinesisUplinkOptions.MaxAllowedRequestBytes} (10 MiB); the default is 5 MiB"));
        CheckTimes(problems, key, kinesis.BatchInterval, kinesis.RequestTimeout);
    }

    private static void CheckApiGateway(List<ConfigProblem> problems, ApiGatewayUplinkOptions api)
    {
        const string key = $"{GatewayOptions.SectionName}:Uplinks:ApiGateway";
        if (!api.Enabled) return;
        if (string.IsNullOrWhiteSpace(api.Url))
            problems.Add(new($"{key}:Url", null, "is missing; the ApiGateway uplink needs the endpoint URL, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/prod/readings"));
        else if (!IsHttpUrl(api.Url, out var uri))
            problems.Add(new($"{key}:Url", api.Url, "must be an absolute https URL"));
        else if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            problems.Add(new($"{key}:Url", api.Url, "must use https (readings and the API key would cross the network in clear text); http is allowed only for localhost"));
        if (api.Auth == ApiGatewayAuth.ApiKey && string.IsNullOrEmpty(api.ApiKey))
            problems.Add(new($"{key}:ApiKey", null,
                "is missing for Auth ApiKey; set it in the environment (Gateway__Uplinks__ApiGateway__ApiKey in /etc/farm-gateway/environment), or use Auth Iam or None"));
        if (api.Auth != ApiGatewayAuth.Iam && (api.Region is not null || api.Profile is not null))
            problems.Add(new($"{key}:Auth", api.Auth.ToString(), "Region and Profile apply only to Auth Iam"));
        if (api.Auth == ApiGatewayAuth.Iam)
            CheckRegion(problems, $"{key}:Region", api.Region ?? ApiGatewayRegion.FromUrl(api.Url), required: true,
                "IAM signing needs a region: set it here, use an execute-api URL that names it, or set AWS_REGION");
        if (api.MaxBatchRecords is < 1 or > 10_000)
            problems.Add(new($"{key}:MaxBatchRecords", Number(api.MaxBatchRecords), "must be between 1 and 10000"));
        if (api.MaxBatchBytes is < 16 * 1024 or > ApiGatewayUplinkOptions.MaxAllowedBatchBytes)
            problems.Add(new($"{key}:MaxBatchBytes", Number(api.MaxBatchBytes),
                $"must be between {16 * 1024} and {ApiGatewayUplinkOptions.MaxAllowedBatchBytes} (the 6 MB payload limit of a synchronous Lambda)"));
        CheckTimes(problems, key, api.BatchInterval, api.RequestTimeout);
    }

    private static void CheckTimes(List<ConfigProblem> problems, string key, TimeSpan batchInterval, TimeSpan requestTimeout)
    {
        if (batchInterval < TimeSpan.Zero || batchInterval > MaxBatchInterval)
            problems.Add(new($"{key}:BatchInterval", Duration(batchInterval), $"must be between 00:00:00 (send at every journal flush) and {Duration(MaxBatchInterval)}"));
        if (requestTimeout < MinRequestTimeout || requestTimeout > MaxRequestTimeout)
            problems.Add(new($"{key}:RequestTimeout", Duration(requestTimeout), $"must be between {Duration(MinRequestTimeout)} and {Duration(MaxRequestTimeout)}"));
    }

    private static void CheckRegion(List<ConfigProblem> problems, string key, string? region, bool required, string missing)
    {
        region ??= Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (string.IsNullOrWhiteSpace(region))
        {
            if (required) problems.Add(new(key, null, $"is missing; {missing}"));
        }
        else if (!RegionPattern().IsMatch(region))
        {
            problems.Add(new(key, region, "is not an AWS region name; allowed: names like eu-west-1, ap-northeast-2, us-gov-west-1"));
        }
    }

    private static bool IsHttpUrl(string value, out Uri uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri!) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-zA-Z0-9_.-]{1,128}$")]
    private static partial Regex StreamNamePattern();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex RegionPattern();
}
