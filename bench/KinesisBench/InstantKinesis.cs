using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace FarmGateway.KinesisBench;

/// <summary>
/// A far side that takes no time, for --profile: reads the whole request body (as a socket
/// would) and answers at once as kinesalite does, every record written (one result per
/// "PartitionKey" in the body). What a phase costs against it is client time only.
/// </summary>
internal sealed class InstantKinesis : HttpMessageHandler
{
    private static readonly byte[] StreamSummary =
        """{"StreamDescriptionSummary":{"StreamName":"instant","StreamStatus":"ACTIVE","OpenShardCount":4}}"""u8.ToArray();

    private readonly ConcurrentDictionary<int, byte[]> _answers = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var records = TimedTransport.Occurrences(body, "\"PartitionKey\""u8);
        var content = new ByteArrayContent(records == 0 ? StreamSummary : _answers.GetOrAdd(records, Answer));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request };
    }

    /// <summary>kinesalite's answer for <paramref name="records"/> records, with its 56-digit sequence numbers.</summary>
    private static byte[] Answer(int records)
    {
        var text = new StringBuilder("{\"FailedRecordCount\":0,\"Records\":[");
        for (var i = 0; i < records; i++)
        {
            if (i > 0) text.Append(',');
            text.Append("{\"ShardId\":\"shardId-00000000000").Append(i % 4)
                .Append("\",\"SequenceNumber\":\"4963")
                .Append(i.ToString("D52", System.Globalization.CultureInfo.InvariantCulture)).Append("\"}");
        }
        return Encoding.UTF8.GetBytes(text.Append("]}").ToString());
    }
}
