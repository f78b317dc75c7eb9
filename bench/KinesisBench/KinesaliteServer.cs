using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FarmGateway.Bench;

namespace FarmGateway.KinesisBench;

/// <summary>
/// kinesalite (tools/kinesalite, installed by scripts/setup-test-deps) as a child process on a
/// free loopback port, started as the integration tests start it: <c>node start.js 0
/// --exit-on-stdin-close</c>, port read from its first line of stdout. It exits with us (it
/// watches the stdin we hold) and is killed on dispose. Control calls (create, delete, read
/// back) go over a plain HttpClient of their own, never through the measured client.
/// </summary>
internal sealed class KinesaliteServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromMinutes(2) };

    private KinesaliteServer(Process process, string version)
    {
        _process = process;
        Version = version;
    }

    /// <summary>http://127.0.0.1:{port}/</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>kinesalite's package version.</summary>
    public string Version { get; }

    public int ProcessId => _process.Id;

    public static async Task<KinesaliteServer> StartAsync(string repositoryRoot)
    {
        var directory = Path.Combine(repositoryRoot, "tools", "kinesalite");
        var package = Path.Combine(directory, "node_modules", "kinesalite", "package.json");
        if (!File.Exists(package))
            throw new InvalidOperationException($"kinesalite is not installed in {directory}: run scripts/setup-test-deps");
        using var packageJson = JsonDocument.Parse(File.ReadAllText(package));
        var version = packageJson.RootElement.GetProperty("version").GetString() ?? "?";

        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["start.js", "0", "--exit-on-stdin-close"]) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        var server = new KinesaliteServer(process, version);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginErrorReadLine();
        string? firstLine;
        try
        {
            firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"kinesalite did not report its port within {StartTimeout.TotalSeconds} s:\n{server.Output}");
        }
        if (!int.TryParse(firstLine, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"kinesalite did not start (first line: {firstLine ?? "none"}):\n{server.Output}");
        }
        server.Endpoint = new Uri($"http://127.0.0.1:{port}/");
        _ = server.DrainAsync(process.StandardOutput);
        return server;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>CPU time kinesalite (all its threads: JavaScript, GC, libuv) has used so far, from /proc/&lt;pid&gt;/stat.</summary>
    public TimeSpan CpuTime() => ProcStat.CpuTime(_process.Id);

    /// <summary>Creates a stream and waits until it is ACTIVE.</summary>
    public async Task CreateStreamAsync(string stream, int shards)
    {
        await CallAsync("CreateStream", new JsonObject { ["StreamName"] = stream, ["ShardCount"] = shards });
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var summary = await CallAsync("DescribeStreamSummary", new JsonObject { ["StreamName"] = stream });
            if ((string?)summary["StreamDescriptionSummary"]?["StreamStatus"] == "ACTIVE") return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"stream {stream} did not become ACTIVE:\n{Output}");
            await Task.Delay(20);
        }
    }

    /// <summary>Deletes a stream once verified, so kinesalite's memory does not grow run after run.</summary>
    public Task DeleteStreamAsync(string stream) => CallAsync("DeleteStream", new JsonObject { ["StreamName"] = stream });

    /// <summary>The "id" of every record in the stream (all shards, TRIM_HORIZON on), duplicates included.</summary>
    public async Task<List<string>> ReadIdsAsync(string stream)
    {
        var ids = new List<string>();
        var shards = await CallAsync("ListShards", new JsonObject { ["StreamName"] = stream });
        foreach (var shard in shards["Shards"]!.AsArray())
        {
            var iterator = (string?)(await CallAsync("GetShardIterator", new JsonObject
            {
                ["StreamName"] = stream, ["ShardId"] = (string)shard!["ShardId"]!, ["ShardIteratorType"] = "TRIM_HORIZON",
            }))["ShardIterator"];
            while (iterator is not null)
            {
                var page = await CallAsync("GetRecords", new JsonObject { ["ShardIterator"] = iterator, ["Limit"] = 10000 });
                var records = page["Records"]!.AsArray();
                foreach (var record in records) ids.Add(IdOf(Convert.FromBase64String((string)record!["Data"]!)));
                // An open shard always hands out a next iterator: an empty page means caught up.
                iterator = records.Count == 0 ? null : (string?)page["NextShardIterator"];
            }
        }
        return ids;
    }

    private static string IdOf(byte[] data)
    {
        var reader = new Utf8JsonReader(data);
        while (reader.Read())
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("id"u8) && reader.Read())
                return reader.GetString() ?? "";
        return "";
    }

    /// <summary>One Kinesis API call (JSON 1.1) with a well-formed but unchecked Authorization header.</summary>
    private async Task<JsonNode> CallAsync(string operation, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", $"Kinesis_20131202.{operation}");
        request.Headers.TryAddWithoutValidation("X-Amz-Date", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDKINESISBENCH/20250314/eu-central-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=00");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"kinesalite {operation}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

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
        lock (_output) _output.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone, or not killable: it still exits when our stdin closes.
        }
        _process.Dispose();
    }
}
