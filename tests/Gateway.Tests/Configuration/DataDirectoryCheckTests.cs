using FarmGateway.Configuration;
using FarmGateway.Hosting;
using FarmGateway.Tests.Testing;

namespace FarmGateway.Tests.Configuration;

// Lives beside the configuration tests: its problems are configuration problems (exit 78).
public sealed class DataDirectoryCheckTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static GatewayOptions Options(string dataDirectory, bool fileEnabled = true)
    {
        var options = new GatewayOptions { DataDirectory = dataDirectory };
        options.Uplinks.File.Enabled = fileEnabled;
        options.Uplinks.File.Directory = Path.Combine(dataDirectory, "outbox");
        return options;
    }

    [Fact]
    public void Run_DataDirectoryBelowARegularFile_ProblemNamesKeyAndPath()
    {
        // A path through a regular file cannot be created even by root.
        var file = _temp.WriteFile("file.txt", "not a folder");
        var dataDirectory = Path.Combine(file, "data");

        var problems = DataDirectoryCheck.Run(Options(dataDirectory));

        var problem = Assert.Single(problems, p => p.Key == "Gateway:DataDirectory");
        Assert.Equal(dataDirectory, problem.Value);
        Assert.Contains("cannot be created or written", problem.Message);
        Assert.Contains("allowed: a folder the service user can write", problem.Message);
        Assert.Contains(dataDirectory, problem.ToString());
    }

    [Fact]
    public void Run_OutboxBelowARegularFile_ProblemNamesOutboxKey()
    {
        var file = _temp.WriteFile("file.txt", "not a folder");
        var options = Options(Path.Combine(_temp.Path, "data"));
        options.Uplinks.File.Directory = Path.Combine(file, "outbox");

        var problems = DataDirectoryCheck.Run(options);

        var problem = Assert.Single(problems);
        Assert.Equal("Gateway:Uplinks:File:Directory", problem.Key);
        Assert.Equal(options.Uplinks.File.Directory, problem.Value);
    }

    [Fact]
    public void Run_WritableTempDirectory_NoProblemsAndNoProbeFileLeft()
    {
        var dataDirectory = Path.Combine(_temp.Path, "data");

        var problems = DataDirectoryCheck.Run(Options(dataDirectory));

        Assert.Empty(problems);
        Assert.True(Directory.Exists(Path.Combine(dataDirectory, "outbox")));
        Assert.Empty(Directory.GetFiles(_temp.Path, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Run_FileUplinkDisabled_OutboxIsNotCreated()
    {
        var dataDirectory = Path.Combine(_temp.Path, "data");

        var problems = DataDirectoryCheck.Run(Options(dataDirectory, fileEnabled: false));

        Assert.Empty(problems);
        Assert.False(Directory.Exists(Path.Combine(dataDirectory, "outbox")));
    }
}
