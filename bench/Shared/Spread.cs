namespace FarmGateway.Bench;

/// <summary>Median and range over runs: with 3 runs a mean would hide the one disturbed run.</summary>
internal readonly record struct Spread(double Median, double Min, double Max)
{
    public static Spread Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Spread(median, sorted[0], sorted[^1]);
    }

    public string Format(string format) => Min == Max
        ? Median.ToString(format, Inv)
        : $"{Median.ToString(format, Inv)} ({Min.ToString(format, Inv)}–{Max.ToString(format, Inv)})";

    private static IFormatProvider Inv => System.Globalization.CultureInfo.InvariantCulture;
}
