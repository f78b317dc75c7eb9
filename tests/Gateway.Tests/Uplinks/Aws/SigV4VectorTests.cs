using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon;
using Amazon.Runtime;
using FarmGateway.Uplinks.Aws;

namespace FarmGateway.Tests.Uplinks.Aws;

/// <summary>
/// AWS's SigV4 test vectors (aws-c-auth, see vectors/README.md) through <see cref="AwsSigningHandler"/>.
/// AWSSDK.Core's signer always signs <c>x-amz-content-sha256</c>; vectors that sign the body
/// list it and are compared as they stand. For the others the expectation is the vector's
/// canonical request plus that one header, signed by the reference below, which first has to
/// reproduce the vector's own signature from its string-to-sign.
/// </summary>
public sealed class SigV4VectorTests
{
    private static readonly string VectorDirectory =
        Path.Combine(RepositoryRoot.Path, "tests", "Gateway.Tests", "Uplinks", "Aws", "vectors");

    public static TheoryData<string> Vectors() =>
    [
        "get-vanilla", "post-vanilla", "post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters",
        "get-header-value-trim", "get-vanilla-with-session-token", "get-vanilla-query-order-key-case", "post-header-key-sort",
    ];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Reference_SignsTheVectorsStringToSign_AsTheVectorSays(string name)
    {
        var vector = Vector.Load(name);

        Assert.Equal(vector.Signature, Reference.Signature(vector, vector.StringToSign));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public async Task SendAsync_VectorRequest_CarriesTheExpectedAuthorization(string name)
    {
        var vector = Vector.Load(name);
        var (canonicalRequest, signedHeaders) = vector.CanonicalRequestWithContentHash();
        var stringToSign = Reference.StringToSign(vector, canonicalRequest);
        var expected = $"AWS4-HMAC-SHA256 Credential={vector.AccessKey}/{vector.Scope}, SignedHeaders={signedHeaders}, " +
                       $"Signature={Reference.Signature(vector, stringToSign)}";

        var sent = await SignAsync(vector);

        Assert.Equal(expected, sent.Headers.GetValues("Authorization").Single());
        Assert.Equal(vector.AmzDate, sent.Headers.GetValues("X-Amz-Date").Single());
        if (vector.Token is { } token) Assert.Equal(token, sent.Headers.GetValues("X-Amz-Security-Token").Single());
    }

    [Fact]
    public async Task SendAsync_FormVector_MatchesTheVectorSignatureExactly()
    {
        var vector = Vector.Load("post-x-www-form-urlencoded");

        var sent = await SignAsync(vector);

        Assert.EndsWith($"Signature={vector.Signature}", sent.Headers.GetValues("Authorization").Single());
    }

    [Fact]
    public async Task SendAsync_StreamedBody_IsSignedLikeTheBufferedOne()
    {
        var vector = Vector.Load("post-x-www-form-urlencoded");
        var buffered = await SignAsync(vector);

        var streamed = await SignAsync(vector, request =>
        {
            var original = request.Content!;
            request.Content = new StreamContent(new MemoryStream("Param1=value1"u8.ToArray()));
            foreach (var header in original.Headers) request.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
        });

        Assert.Equal(buffered.Headers.GetValues("Authorization").Single(), streamed.Headers.GetValues("Authorization").Single());
        Assert.Equal("Param1=value1", await streamed.Content!.ReadAsStringAsync());
    }

    private static async Task<HttpRequestMessage> SignAsync(Vector vector, Action<HttpRequestMessage>? change = null)
    {
        var capture = new CapturingHandler();
        var signing = new AwsSigningHandler(new FixedCredentials(vector.AccessKey, vector.SecretKey, vector.Token),
            RegionEndpoint.GetBySystemName(vector.Region), vector.Service, vector.SignedAt)
        { InnerHandler = capture };
        using var invoker = new HttpMessageInvoker(signing);
        var request = vector.ToRequest();
        change?.Invoke(request);
        using var response = await invoker.SendAsync(request, CancellationToken.None);
        return capture.Request!;
    }

    private sealed class FixedCredentials(string accessKey, string secretKey, string? token) : AwsCredentialSource(null)
    {
        public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) =>
            Task.FromResult(new ImmutableCredentials(accessKey, secretKey, token));
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public HttpRequestMessage? Request { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Request = request;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }

    /// <summary>SigV4's key derivation and signature (the published algorithm), used to derive expectations.</summary>
    private static class Reference
    {
        public static string StringToSign(Vector vector, string canonicalRequest) =>
            $"AWS4-HMAC-SHA256\n{vector.AmzDate}\n{vector.Scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        public static string Signature(Vector vector, string stringToSign)
        {
            var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + vector.SecretKey), vector.AmzDate[..8]);
            key = Hmac(key, vector.Region);
            key = Hmac(key, vector.Service);
            key = Hmac(key, "aws4_request");
            return Convert.ToHexStringLower(Hmac(key, stringToSign));
        }

        private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
    }

    private sealed record Vector(
        string Name, string AccessKey, string SecretKey, string? Token, string Region, string Service, DateTime SignedAt,
        string Request, string CanonicalRequest, string StringToSign, string Signature)
    {
        public string AmzDate => SignedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        public string Scope => $"{AmzDate[..8]}/{Region}/{Service}/aws4_request";

        public static Vector Load(string name)
        {
            var directory = Path.Combine(VectorDirectory, name);
            string Read(string file) => System.IO.File.ReadAllText(Path.Combine(directory, file));
            using var context = JsonDocument.Parse(Read("context.json"));
            var root = context.RootElement;
            var credentials = root.GetProperty("credentials");
            return new Vector(
                name,
                credentials.GetProperty("access_key_id").GetString()!,
                credentials.GetProperty("secret_access_key").GetString()!,
                credentials.TryGetProperty("token", out var token) ? token.GetString() : null,
                root.GetProperty("region").GetString()!,
                root.GetProperty("service").GetString()!,
                DateTime.Parse(root.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture,
                    DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                Read("request.txt"), Read("header-canonical-request.txt"), Read("header-string-to-sign.txt"), Read("header-signature.txt").Trim());
        }

        /// <summary>The request as an HttpRequestMessage: "METHOD path HTTP/1.1", header lines, a blank line, the body.</summary>
        public HttpRequestMessage ToRequest()
        {
            var parts = Request.Split("\n\n", 2);
            var lines = parts[0].Split('\n');
            var requestLine = lines[0].Split(' ');
            var headers = lines.Skip(1).Where(line => line.Length > 0).Select(line => (Name: line[..line.IndexOf(':')], Value: line[(line.IndexOf(':') + 1)..])).ToList();
            var host = headers.Single(h => h.Name.Equals("Host", StringComparison.OrdinalIgnoreCase)).Value.Trim();
            var message = new HttpRequestMessage(new HttpMethod(requestLine[0]), new Uri($"https://{host}{requestLine[1]}"));
            if (parts.Length > 1) message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(parts[1]));
            foreach (var (headerName, value) in headers)
            {
                if (headerName.Equals("Host", StringComparison.OrdinalIgnoreCase) || headerName.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    continue; // from the URI and the body, as HttpClient does
                if (headerName.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
                    Assert.True(message.Content!.Headers.TryAddWithoutValidation(headerName, value));
                else
                    Assert.True(message.Headers.TryAddWithoutValidation(headerName, value));
            }
            return message;
        }

        /// <summary>
        /// The vector's canonical request with <c>x-amz-content-sha256</c> (the payload hash it
        /// ends with) among the signed headers, where AWSSDK.Core always puts it.
        /// </summary>
        public (string CanonicalRequest, string SignedHeaders) CanonicalRequestWithContentHash()
        {
            var lines = CanonicalRequest.Split('\n');
            var blank = Array.IndexOf(lines, "", 3);
            var headers = lines[3..blank].ToList();
            var payloadHash = lines[^1];
            if (!headers.Any(h => h.StartsWith("x-amz-content-sha256:", StringComparison.Ordinal)))
                headers.Add("x-amz-content-sha256:" + payloadHash);
            headers.Sort(StringComparer.Ordinal);
            var signedHeaders = string.Join(';', headers.Select(h => h[..h.IndexOf(':')]));
            return (string.Join('\n', [.. lines[..3], .. headers, "", signedHeaders, payloadHash]), signedHeaders);
        }
    }
}
