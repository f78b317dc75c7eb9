using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;

namespace FarmGateway.Uplinks.Aws;

/// <summary>
/// Where signing credentials come from: a named profile when configured, else the SDK's default
/// chain (environment, web identity, shared profile incl. SSO/assume-role, container endpoint,
/// EC2 IMDS). Resolved per request, since session credentials refresh; after the far side said
/// the token expired, <see cref="Invalidate"/> makes the next request resolve from scratch.
/// </summary>
public class AwsCredentialSource(string? profile)
{
    private readonly Lock _gate = new();
    private AWSCredentials? _credentials;

    /// <summary>The configured profile, or null for the default chain.</summary>
    public string? Profile => profile;

    public virtual async Task<ImmutableCredentials> GetAsync(CancellationToken cancellationToken)
    {
        AWSCredentials credentials;
        lock (_gate) credentials = _credentials ??= Resolve();
        try
        {
            var resolved = await credentials.GetCredentialsAsync().WaitAsync(cancellationToken);
            return resolved ?? throw new UplinkException(UplinkFailure.Misconfigured, "AWS credentials resolved to nothing");
        }
        catch (AmazonClientException e)
        {
            // e.g. an instance role whose IMDS is unreachable right now: worth another try later.
            Invalidate();
            throw new UplinkException(UplinkFailure.Transient, $"AWS credentials could not be refreshed: {e.Message}", e);
        }
    }

    /// <summary>Forgets the resolved credentials (after ExpiredTokenException) so the next request resolves them again.</summary>
    public virtual void Invalidate()
    {
        lock (_gate)
        {
            if (_credentials is RefreshingAWSCredentials refreshing) refreshing.ClearCredentials();
            _credentials = null;
        }
    }

    private AWSCredentials Resolve()
    {
        try
        {
            if (profile is null) return DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile)) return fromProfile;
            throw new UplinkException(UplinkFailure.Misconfigured,
                $"AWS profile \"{profile}\" was not found in ~/.aws/credentials or ~/.aws/config of the service user");
        }
        catch (AmazonClientException e)
        {
            throw new UplinkException(UplinkFailure.Misconfigured,
                $"no AWS credentials found ({e.Message}); set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the service environment, a profile, or run on a host with an instance role", e);
        }
    }
}
