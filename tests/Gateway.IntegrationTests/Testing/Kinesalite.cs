using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace FarmGateway.IntegrationTests.Testing;

/// <summary>
/// kinesalite (tools/kinesalite, installed by scripts/setup-test-deps) as a child process on a
/// free loopback port: a real Kinesis API in memory, with streams ACTIVE at once. It does not
/// check signatures, never throttles and never fails records; faults come from handlers of ours.
/// Usable as an xunit class fixture or on its own (<see cref="StartAsync"/>); the process is
/// killed on dispose, and exits by itself when the test process goes away (it watches its stdin).
/// </summary>
public sealed class Kinesalite : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _output = new();
    private readonly Lock _gate = new();
    private readonly HttpClient _http = new() { Timeout = CallTimeout };
    private Process? _process;

    /// <summary>http://127.0.0.1:{port}/, for KinesisUplinkOptions.ServiceUrl.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>What kinesalite printed, for failure messages.</summary>
    public string Output
    {
        get { lock (_gate) return _output.ToString(); }
    }

    public static async Task<Kinesalite> StartAsync()
    {
        var kinesalite = new Kinesalite();
        await kinesalite.InitializeAsync();
        return kinesalite;
    }

    public async Task InitializeAsync()
    {
        var directory = Path.Combine(RepositoryRoot.Path, "tools", "kinesalite");
        if (!File.Exists(Path.Combine(directory, "node_modules", "kinesalite", "package.json")))
            throw new InvalidOperationException($"kinesalite is not installed in {directory}: run scripts/setup-test-deps");
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["start.js", "0", "--exit-on-stdin-close"]) info.ArgumentList.Add(argument);
        _process = new Process { StartInfo = info };
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginErrorReadLine();

        string? firstLine;
        try
        {
            firstLine = await _process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            throw new InvalidOperationException($"kinesalite did not report its port within {StartTimeout.TotalSeconds} s:\n{Output}");
        }
        if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new InvalidOperationException($"kinesalite did not start (first line: {firstLine ?? "none"}):\n{Output}");
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _ = DrainAsync(_process.StandardOutput);
    }

    /// <summary>Creates a stream and waits until it is ACTIVE.</summary>
    public async Task CreateStreamAsync(string stream, int shards)
    {
        await CallAsync("CreateStream", new JsonObject { ["StreamName"] = stream, ["ShardCount"] = shards });
        var deadline = DateTime.UtcNow + CallTimeout;
        while (true)
        {
            var summary = await CallAsync("DescribeStreamSummary", new JsonObject { ["StreamName"] = stream });
            if ((string?)summary["StreamDescriptionSummary"]?["StreamStatus"] == "ACTIVE") return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"stream {stream} did not become ACTIVE:\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>Every record of the stream, shard by shard in shard order, each shard in its sequence order (TRIM_HORIZON on).</summary>
    public async Task<IReadOnlyList<KinesaliteRecord>> ReadAllAsync(string stream)
    {
        var records = new List<KinesaliteRecord>();
        var shards = await CallAsync("ListShards", new JsonObject { ["StreamName"] = stream });
        foreach (var shard in shards["Shards"]!.AsArray())
        {
            var shardId = (string)shard!["ShardId"]!;
            var iterator = (string?)(await CallAsync("GetShardIterator", new JsonObject
            {
                ["StreamName"] = stream, ["ShardId"] = shardId, ["ShardIteratorType"] = "TRIM_HORIZON",
            }))["ShardIterator"];
            while (iterator is not null)
            {
                var page = await CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 10000 });
                var got = page["Records"]!.AsArray();
                records.AddRange(got.Select(r => new KinesaliteRecord(
                    shardId, (string)r!["PartitionKey"]!, (string)r["SequenceNumber"]!, Convert.FromBase64String((string)r["Data"]!))));
                // An open shard always hands out a next iterator: an empty page means caught up.
                iterator = got.Count == 0 ? null : (string?)page["NextShardIterator"];
            }
        }
        return records;
    }

    /// <summary>One Kinesis API call (JSON 1.1), with a well-formed but unchecked Authorization header.</summary>
    public async Task<JsonNode> CallAsync(string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"Kinesis_20131202.{operation}");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDKINESALITE/20261122/us-east-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"kinesalite {operation}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_process is not { } process) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone, or not killable: nothing more a test can do.
        }
        process.Dispose();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    private async Task DrainAsync(StreamReader output)
    {
        try
        {
            while (await output.ReadLineAsync() is { } line) Append(line);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process ended.
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate) _output.AppendLine(line);
    }
}

/// <param name="Data">The record's bytes as stored (Base64 decoded).</param>
public sealed record KinesaliteRecord(string ShardId, string PartitionKey, string SequenceNumber, byte[] Data);
