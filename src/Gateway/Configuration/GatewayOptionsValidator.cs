using System.Globalization;
using System.Text.RegularExpressions;
using FarmGateway.Journal;
using FarmGateway.Sources;
using FarmGateway.Uplinks.File;
using Microsoft.Extensions.Options;

namespace FarmGateway.Configuration;

/// <summary>
/// The rules a <see cref="GatewayOptions"/> must meet, run after defaults are applied. Every
/// rule reports the key, the value and what is allowed; all problems are reported at once so a
/// technician fixes the file in one go.
/// </summary>
public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);
    private const string NameRule = "1 to 64 characters from A-Z a-z 0-9 . _ -";

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var problems = Check(options);
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
    }

    public static List<ConfigProblem> Check(GatewayOptions options)
    {
        const string g = GatewayOptions.SectionName;
        var problems = new List<ConfigProblem>();
        CheckName(problems, $"{g}:Id", options.Id, required: true,
            hint: "; the default is the host name, set Gateway:Id when the host name does not fit");
        CheckName(problems, $"{g}:Site", options.Site, required: false);
        CheckName(problems, $"{g}:Location", options.Location, required: false);
        CheckSensors(problems, options.Sensors);
        CheckJournal(problems, options.Journal);
        CheckFileUplink(problems, options.Uplinks.File);
        CheckKinesis(problems, options.Uplinks.Kinesis);
        CheckApiGateway(problems, options.Uplinks.ApiGateway);
        CheckIotCore(problems, options.Uplinks.IotCore);
        CheckMqtt(problems, options.Mqtt);
        if (!options.Uplinks.AnyEnabled)
            problems.Add(new($"{g}:Uplinks", null, "no uplink is enabled, readings would go nowhere; enable at least one of File (the local default), Kinesis, ApiGateway, IotCore"));
        return problems;
    }

    public const long MinSegmentBytes = 64 * 1024;
    public const long MaxSegmentBytes = 256L * 1024 * 1024;
    public const long MaxJournalBytes = 1024L * 1024 * 1024 * 1024;
    public static readonly TimeSpan MaxFlushInterval = TimeSpan.FromMinutes(1);

    private static void CheckJournal(List<ConfigProblem> problems, JournalOptions journal)
    {
        const string key = $"{GatewayOptions.SectionName}:Journal";
        if (journal.SegmentBytes is < MinSegmentBytes or > MaxSegmentBytes)
            problems.Add(new($"{key}:SegmentBytes", journal.SegmentBytes.ToString(CultureInfo.InvariantCulture),
                $"must be between {MinSegmentBytes} (64 KiB) and {MaxSegmentBytes} (256 MiB)"));
        else if (journal.MaxBytes < 2 * journal.SegmentBytes || journal.MaxBytes > MaxJournalBytes)
            problems.Add(new($"{key}:MaxBytes", journal.MaxBytes.ToString(CultureInfo.InvariantCulture),
                $"must be between 2 x SegmentBytes ({2 * journal.SegmentBytes}) and {MaxJournalBytes} (1 TiB)"));
        if (journal.FlushInterval < TimeSpan.Zero || journal.FlushInterval > MaxFlushInterval)
            problems.Add(new($"{key}:FlushInterval", Duration(journal.FlushInterval),
                $"must be between 00:00:00 (fsync every reading, wears the SD card) and {Duration(MaxFlushInterval)}"));
    }

    private static void CheckFileUplink(List<ConfigProblem> problems, FileUplinkOptions file)
    {
        const string key = $"{GatewayOptions.SectionName}:Uplinks:File";
        if (file.MaxFileBytes is < FileUplinkOptions.MinFileBytes or > FileUplinkOptions.MaxAllowedFileBytes)
            problems.Add(new($"{key}:MaxFileBytes", file.MaxFileBytes.ToString(CultureInfo.InvariantCulture),
                $"must be between {FileUplinkOptions.MinFileBytes} (4 KiB) and {FileUplinkOptions.MaxAllowedFileBytes} (1 GiB)"));
    }

    private static void CheckName(List<ConfigProblem> problems, string key, string? value, bool required, string hint = "")
    {
        if (value is null)
        {
            if (required) problems.Add(new(key, null, $"is missing; allowed: {NameRule}"));
        }
        else if (!NamePattern().IsMatch(value))
        {
            problems.Add(new(key, value, $"is not a valid name; allowed: {NameRule}{hint}"));
        }
    }

    /// <summary>A duration as a technician writes it: 00:00:00.010, 00:00:10, 1.00:00:00.</summary>
    public static string Duration(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0 || value.Days != 0
            ? value.ToString("c", CultureInfo.InvariantCulture)
            : value.ToString(value < TimeSpan.Zero ? @"\-hh\:mm\:ss\.fff" : @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
