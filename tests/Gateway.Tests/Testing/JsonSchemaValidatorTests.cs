using System.Text.Json;

namespace FarmGateway.Tests.Testing;

public sealed class JsonSchemaValidatorTests
{
    private const string PersonSchema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "title": "test schema",
          "type": "object",
          "required": ["v", "name"],
          "additionalProperties": false,
          "properties": {
            "v": { "type": "integer", "const": 1 },
            "name": { "type": "string", "minLength": 2, "maxLength": 5, "pattern": "^[a-z]+$" },
            "ts": { "type": "string", "format": "date-time" },
            "code": { "type": "string", "pattern": "^\\d{3}$" },
            "temp": { "type": "number", "minimum": -60, "maximum": 100 },
            "state": { "type": "string", "enum": ["on", "off"] },
            "odd-name": { "type": "boolean" }
          }
        }
        """;

    private static readonly JsonSchemaValidator Validator = new(Parse(PersonSchema));

    [Fact]
    public void Validate_ConformingDocument_ReturnsNoErrors()
    {
        var errors = Validator.Validate("""{"v":1,"name":"abc","temp":-60,"state":"off","code":"042","odd-name":true}""");

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_MissingRequiredProperty_NamesItsPath()
    {
        var errors = Validator.Validate("""{"v":1}""");

        Assert.Equal("$.name: required property is missing", Assert.Single(errors));
    }

    [Fact]
    public void Validate_UnknownPropertyWithAdditionalPropertiesFalse_IsRejected()
    {
        var errors = Validator.Validate("""{"v":1,"name":"abc","extra":2}""");

        Assert.Equal("$.extra: property is not allowed (additionalProperties is false)", Assert.Single(errors));
    }

    [Theory]
    [InlineData("""{"v":1,"name":null}""", "$.name")]
    [InlineData("""{"v":1,"name":5}""", "$.name")]
    [InlineData("""{"v":"1","name":"abc"}""", "$.v")]
    [InlineData("""{"v":1.5,"name":"abc"}""", "$.v")]
    [InlineData("""{"v":1,"name":"abc","temp":"20"}""", "$.temp")]
    [InlineData("""{"v":1,"name":"abc","temp":null}""", "$.temp")]
    [InlineData("""{"v":1,"name":"abc","odd-name":1}""", "$[\"odd-name\"]")]
    public void Validate_WrongType_IsRejectedAtItsPath(string json, string path)
    {
        var errors = Validator.Validate(json);

        Assert.Contains(errors, e => e.StartsWith(path + ": expected type", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RootOfWrongType_IsRejected()
    {
        var errors = Validator.Validate("[]");

        Assert.Equal("$: expected type \"object\", got array", Assert.Single(errors));
    }

    [Fact]
    public void Validate_IntegerWrittenWithZeroFraction_CountsAsInteger()
    {
        Assert.Empty(Validator.Validate("""{"v":1.0,"name":"abc"}"""));
    }

    [Fact]
    public void Validate_ConstMismatch_IsRejected()
    {
        var errors = Validator.Validate("""{"v":2,"name":"abc"}""");

        Assert.Equal("$.v: expected 1, got 2", Assert.Single(errors));
    }

    [Fact]
    public void Validate_ValueNotInEnum_IsRejected()
    {
        var errors = Validator.Validate("""{"v":1,"name":"abc","state":"ON"}""");

        Assert.StartsWith("$.state: \"ON\" is not one of", Assert.Single(errors));
    }

    [Theory]
    [InlineData("a", "below minLength")]
    [InlineData("abcdef", "above maxLength")]
    public void Validate_StringLengthOutOfBounds_IsRejected(string name, string expected)
    {
        var errors = Validator.Validate($$"""{"v":1,"name":"{{name}}"}""");

        Assert.Contains(expected, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StringLength_CountsCodePointsNotUtf16Units()
    {
        // Three cows are 3 code points (within 2..5) but 6 UTF-16 units; the pattern rejects them
        // anyway, so check only that no length error is reported.
        var errors = Validator.Validate("""{"v":1,"name":"\uD83D\uDC04\uD83D\uDC04\uD83D\uDC04"}""");

        Assert.DoesNotContain(errors, e => e.Contains("Length", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("does not match pattern", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ABC")]
    [InlineData("ab1")]
    [InlineData("abc\n")]
    [InlineData("\nabc")]
    public void Validate_StringNotMatchingPattern_IsRejected(string name)
    {
        var errors = Validator.Validate(JsonSerializer.Serialize(new { v = 1, name }));

        Assert.Contains("does not match pattern", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("042", true)]
    [InlineData("04", false)]
    [InlineData("042\n", false)]
    [InlineData("٠٤٢", false)] // Arabic-Indic digits: \d is ASCII-only in ECMA-262.
    public void Validate_DigitPattern_FollowsEcmaScriptSemantics(string code, bool valid)
    {
        var errors = Validator.Validate(JsonSerializer.Serialize(new { v = 1, name = "abc", code }));

        Assert.Equal(valid, errors.Count == 0);
    }

    [Theory]
    [InlineData("-60", true)]
    [InlineData("100", true)]
    [InlineData("100.0", true)]
    [InlineData("-60.01", false)]
    [InlineData("100.0000000000000001", false)]
    [InlineData("1e3", false)]
    public void Validate_NumberBounds_AreInclusiveAndExact(string temp, bool valid)
    {
        var errors = Validator.Validate($$"""{"v":1,"name":"abc","temp":{{temp}}}""");

        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Validate_SeveralViolations_ReportsEachOne()
    {
        var errors = Validator.Validate("""{"v":2,"temp":500,"state":"dim","x":0}""");

        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void Validate_FormatKeyword_IsAnAnnotationOnly()
    {
        Assert.Empty(Validator.Validate("""{"v":1,"name":"abc","ts":"not a date"}"""));
    }

    [Theory]
    [InlineData("""{"type":"object","minProperties":1}""")]
    [InlineData("""{"properties":{"a":{"exclusiveMinimum":0}}}""")]
    [InlineData("""{"additionalProperties":{"type":"string"}}""")]
    [InlineData("""{"type":"decimal"}""")]
    public void Constructor_UnsupportedKeywordOrType_Throws(string schema)
    {
        Assert.Throws<NotSupportedException>(() => new JsonSchemaValidator(Parse(schema)));
    }

    [Fact]
    public void Constructor_InvalidPattern_Throws()
    {
        Assert.ThrowsAny<ArgumentException>(() => new JsonSchemaValidator(Parse("""{"properties":{"a":{"pattern":"("}}}""")));
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
