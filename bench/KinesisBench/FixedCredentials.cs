using Amazon.Runtime;
using FarmGateway.Uplinks.Aws;

namespace FarmGateway.KinesisBench;

/// <summary>
/// Fixed fake credentials for both phases: kinesalite does not check signatures, but the SigV4
/// work (hashing the body, deriving the key, HMACs) is done exactly as against AWS. Resolving
/// credentials from the SDK's chain is left out of both.
/// </summary>
internal sealed class FixedCredentials() : AwsCredentialSource(null)
{
    private static readonly Task<ImmutableCredentials> Credentials =
        Task.FromResult(new ImmutableCredentials("AKIDKINESISBENCH0000", "kinesaliteDoesNotCheckSignaturesAtAll000", null));

    public override Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken) => Credentials;
}
