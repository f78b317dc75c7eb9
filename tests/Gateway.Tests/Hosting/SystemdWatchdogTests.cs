using FarmGateway.Hosting;
using FarmGateway.Tests.Configuration;

namespace FarmGateway.Tests.Hosting;

[Collection(EnvironmentCollection.Name)]
public sealed class SystemdWatchdogTests
{
    [Fact]
    public void FromEnvironment_HalvesWatchdogUsecAndIgnoresAnotherProcesssWatchdog()
    {
        try
        {
            Environment.SetEnvironmentVariable(SystemdWatchdog.UsecVariable, "30000000");
            Environment.SetEnvironmentVariable(SystemdWatchdog.PidVariable, null);
            Assert.Equal(TimeSpan.FromSeconds(15), SystemdWatchdog.FromEnvironment().Period);
            Environment.SetEnvironmentVariable(SystemdWatchdog.PidVariable, "1");
            Assert.Null(SystemdWatchdog.FromEnvironment().Period);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SystemdWatchdog.UsecVariable, null);
            Environment.SetEnvironmentVariable(SystemdWatchdog.PidVariable, null);
        }
    }
}
