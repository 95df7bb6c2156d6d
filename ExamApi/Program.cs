using ExamApi.Apis;
using ExamApi.Extensions;
using ExamApi.Telemetry;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.UseServerTiming();
// Credentials first: the rate limiter keys starts by the student the credential proves.
app.UseStudentCredentials();
app.UseRateLimiter();
app.MapOpenApiDocuments();
app.MapAdaptiveApi();
app.MapStudentsApi();
app.MapItemsApi();
app.MapDesignsApi();
app.MapBankReportsApi();
app.MapMonitoringApi();
app.MapAttemptPartitionsApi();
app.MapPracticeApi();
app.MapCacheApi();

app.Run();
