using System.Text.Json;
using System.Text.Json.Serialization;

namespace LoadGenerator;

/// <summary>The body of <c>POST /api/adaptive/start</c>.</summary>
internal sealed record StartRequest(string StudentId, string Subject, int MaxItems, double? SeTarget);

/// <summary>An item as served; the generator only needs its id.</summary>
internal sealed record ServedItem(long Id);

/// <summary>The parts of a started exam the generator uses.</summary>
internal sealed record StartResponse(Guid SessionId, string Token, ServedItem Item);

/// <summary>The body of <c>POST /api/adaptive/answer</c>.</summary>
internal sealed record AnswerRequest(Guid SessionId, long ItemId, int Response);

/// <summary>The parts of a recorded answer the generator uses.</summary>
internal sealed record StatusResponse(Guid SessionId, string Status, int Answered, double Theta);

internal sealed record AnswerResponse(int Answered, double Theta, double? Se, bool Done, ServedItem? NextItem);

/// <summary>The body of <c>POST /api/adaptive/complete</c>.</summary>
internal sealed record CompleteRequest(Guid SessionId);

/// <summary>The parts of an exam summary the generator uses.</summary>
internal sealed record CompleteResponse(Guid SessionId, string State, double Theta, double? Se, int Answered);

/// <summary>An item to import (<c>POST /api/items/import</c>).</summary>
internal sealed record ItemInput(string Subject, string Topic, string Content, string[] Options, int AnswerKey, double A, double B, double C, double D);

/// <summary>An item as the admin API lists it, answer key and IRT parameters included.</summary>
internal sealed record ItemView(long Id, string Subject, string Topic, string[] Options, int AnswerKey, double A, double B, double C, double D, string Status);

/// <summary>One page of <c>GET /api/items</c>.</summary>
internal sealed record ItemPage(ItemView[] Items, int Page, int PageSize, int Total);

/// <summary>The answer of an import.</summary>
internal sealed record ImportResponse(int Imported);

/// <summary>The ProblemDetails title, which tells a retryable 409 ("Answer in progress") from a final one, and its detail.</summary>
internal sealed record ProblemBody(string? Title, string? Detail);

/// <summary>Source-generated JSON for the request and response bodies: the generator shares the CPU with the server.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StartRequest))]
[JsonSerializable(typeof(StartResponse))]
[JsonSerializable(typeof(AnswerRequest))]
[JsonSerializable(typeof(AnswerResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(CompleteRequest))]
[JsonSerializable(typeof(CompleteResponse))]
[JsonSerializable(typeof(ItemInput[]))]
[JsonSerializable(typeof(ImportResponse))]
[JsonSerializable(typeof(ItemPage))]
[JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ApiJson : JsonSerializerContext;
