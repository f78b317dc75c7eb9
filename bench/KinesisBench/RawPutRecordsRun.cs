using System.Buffers;
using System.Text.Json;
using Amazon;
using FarmGateway.Uplinks.Aws;
using FarmGateway.Uplinks.Kinesis;

namespace FarmGateway.KinesisBench;

/// <summary>
/// The floor the gateway is compared with: the least a client must do to put the same records
/// into the same stream the same way. Records are schema v1 bytes made before the clock starts,
/// with their partition keys (the sensor); each request of 500 is written with a reused
/// Utf8JsonWriter, signed by the gateway's <see cref="AwsSigningHandler"/> and sent over one
/// HttpClient, one request in flight (as the uplink sends). The answer is read and its
/// FailedRecordCount checked; nothing else. No journal, no retries, no per-record bookkeeping.
/// </summary>
internal static class RawPutRecordsRun
{
    public const int RecordsPerRequest = KinesisUplinkOptions.MaxRecordsPerRequest;

    public static async Task<RunResult> MeasureAsync(int run, KinesaliteServer kinesalite, FarSide farSide, string stream, RawRecord[] records, int count)
    {
        using var transport = farSide.NewTransport();
        using var signer = new AwsSigningHandler(new FixedCredentials(), BenchRegion.Endpoint, KinesisClient.SigningService) { InnerHandler = transport };
        using var client = new HttpClient(signer, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var body = new ArrayBufferWriter<byte>(256 * 1024);
        using var writer = new Utf8JsonWriter(body);

        Collect();
        var start = CpuSnapshot.Take(kinesalite);
        for (var first = 0; first < count; first += RecordsPerRequest)
        {
            body.ResetWrittenCount();
            writer.Reset(body);
            writer.WriteStartObject();
            writer.WriteString("StreamName"u8, stream);
            writer.WriteStartArray("Records"u8);
            for (var i = first; i < Math.Min(count, first + RecordsPerRequest); i++)
            {
                writer.WriteStartObject();
                writer.WriteBase64String("Data"u8, records[i].Data);
                writer.WriteString("PartitionKey"u8, records[i].PartitionKey);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.Flush();

            using var content = new ReadOnlyMemoryContent(body.WrittenMemory);
            content.Headers.TryAddWithoutValidation("Content-Type", KinesisClient.ContentType);
            using var request = new HttpRequestMessage(HttpMethod.Post, farSide.Endpoint) { Content = content };
            request.Headers.TryAddWithoutValidation("X-Amz-Target", KinesisClient.PutRecordsTarget);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var answer = await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || FailedRecordCount(answer) != 0)
                throw new InvalidOperationException($"PutRecords of records {first}.. failed: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(answer)}");
        }
        var cpu = CpuSnapshot.Take(kinesalite) - start;

        var verification = farSide.Verify
            ? Verification.Check(await kinesalite.ReadIdsAsync(stream), Enumerable.Range(0, count).Select(i => ReadingSet.Id(BenchRegion.RawEpoch, i)))
            : null;
        return new RunResult(Phase.Raw, run, count, start.Timestamp, cpu, transport.Requests, verification);
    }

    /// <summary>FailedRecordCount of a PutRecords answer; -1 when it has none.</summary>
    private static int FailedRecordCount(byte[] answer)
    {
        var reader = new Utf8JsonReader(answer);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            var isCount = reader.ValueTextEquals("FailedRecordCount"u8);
            reader.Read();
            if (isCount) return reader.GetInt32();
            reader.Skip();
        }
        return -1;
    }

    internal static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}

/// <summary>Names both phases share.</summary>
internal static class BenchRegion
{
    public static readonly RegionEndpoint Endpoint = RegionEndpoint.EUCentral1;

    /// <summary>The journal epoch the raw records carry in their ids (the gateway's come from its journal).</summary>
    public const string RawEpoch = "0badf00d";
}
