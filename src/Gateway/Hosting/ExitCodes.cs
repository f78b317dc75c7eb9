namespace FarmGateway.Hosting;

/// <summary>Process exit codes systemd sees (sysexits.h values, so they mean something to ops tools).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>EX_SOFTWARE: a gateway service failed; systemd restarts the unit.</summary>
    public const int ServiceFailed = 70;

    /// <summary>EX_CONFIG: the configuration is invalid; restarting will not help (RestartPreventExitStatus=78).</summary>
    public const int ConfigInvalid = 78;
}
