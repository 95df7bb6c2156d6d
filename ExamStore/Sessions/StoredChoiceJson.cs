using System.Text.Json;
using System.Text.Json.Serialization;

namespace ExamStore.Sessions;

/// <summary>
/// Writes the item choices stored with sessions and attempts (first_selection, next_selection) by generated code: the
/// same text as <see cref="JsonSerializerDefaults.Web"/> options write by reflection, without the serialization state
/// reflection allocates on every call (the answer path stores one choice per answer). Reading them needs no change.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ItemChoice))]
public sealed partial class StoredChoiceJson : JsonSerializerContext;
