using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Engine.Bank;
using Engine.Estimation;
using Engine.Selection;

namespace IrtTool;

/// <summary>
/// Scores a run of pattern lines into JSON output lines, in input order. One instance per parallel chunk: it owns its
/// parser, output buffer and random source; the bank and estimators are shared (they are thread-safe).
/// </summary>
public sealed class PatternScorer
{
    // The tool writes JSON lines for programs and terminals, not HTML, so non-ASCII ids and messages stay readable.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ItemBank _bank;
    private readonly IReadOnlyList<IAbilityEstimator> _estimators;
    private readonly AbilityEstimate[] _estimates;
    private readonly int?[] _nextItems;
    private readonly PatternParser _parser;
    private readonly Utf8JsonWriter _writer;

    // MFI without exposure control never draws from it; the selector's contract still asks for a source.
    private readonly Random _random = new(0);
    private readonly MaximumInformationSelector _selector = new(ExposureControl.None, content: null, runnersUp: 0);

    /// <summary>Creates a scorer for <paramref name="bank"/> reporting each of <paramref name="estimators"/>, in order.</summary>
    public PatternScorer(ItemBank bank, IReadOnlyList<IAbilityEstimator> estimators)
    {
        _bank = bank;
        _estimators = estimators;
        _estimates = new AbilityEstimate[estimators.Count];
        _nextItems = new int?[estimators.Count];
        _parser = new PatternParser(bank);
        _writer = new Utf8JsonWriter(Output, WriterOptions);
    }

    /// <summary>The JSON lines written since the output was last cleared.</summary>
    public ArrayBufferWriter<byte> Output { get; } = new(1 << 16);

    /// <summary>Lines that produced an error line since the scorer was created.</summary>
    public int FailedLines { get; private set; }

    /// <summary>Scores <paramref name="lines"/> of <paramref name="block"/>, appending one JSON line each to <see cref="Output"/>.</summary>
    public void Score(ReadOnlySpan<byte> block, ReadOnlySpan<LineRange> lines)
    {
        foreach (var line in lines)
        {
            var error = _parser.TryParse(block.Slice(line.Start, line.Length)) ?? Estimate();
            if (error is null) WriteEstimates();
            else
            {
                FailedLines++;
                WriteError(line.Number, error);
            }
            _writer.Flush();
            _writer.Reset();
            Output.Write("\n"u8);
        }
    }

    private string? Estimate()
    {
        var items = _parser.Items;
        var responses = _parser.Responses;
        for (var m = 0; m < _estimators.Count; m++)
        {
            try
            {
                _estimates[m] = _estimators[m].Estimate(_bank, items, responses);
            }
            catch (ArgumentException ex)
            {
                return $"{_estimators[m].Name} estimation failed: {ex.Message}";
            }
            _nextItems[m] = _selector.Select(_bank, _estimates[m].Theta, items, _random)?.Item;
        }
        return null;
    }

    private void WriteEstimates()
    {
        _writer.WriteStartObject();
        WriteId();
        _writer.WriteStartObject("estimates"u8);
        for (var m = 0; m < _estimators.Count; m++)
        {
            _writer.WriteStartObject(_estimators[m].Name);
            _writer.WriteNumber("theta"u8, _estimates[m].Theta);
            // An infinite SE (ML or WL with no responses) has no JSON number; null says "not estimable".
            if (double.IsFinite(_estimates[m].StandardError)) _writer.WriteNumber("se"u8, _estimates[m].StandardError);
            else _writer.WriteNull("se"u8);
            if (_nextItems[m] is int next) _writer.WriteNumber("next_item"u8, next);
            else _writer.WriteNull("next_item"u8);
            _writer.WriteEndObject();
        }
        _writer.WriteEndObject();
        _writer.WriteEndObject();
    }

    private void WriteError(long lineNumber, string error)
    {
        _writer.WriteStartObject();
        WriteId();
        _writer.WriteNumber("line"u8, lineNumber);
        _writer.WriteString("error"u8, error);
        _writer.WriteEndObject();
    }

    private void WriteId()
    {
        _writer.WritePropertyName("id"u8);
        if (_parser.RawId is { } rawId) _writer.WriteRawValue(rawId, skipInputValidation: true);
        else _writer.WriteNullValue();
    }
}
