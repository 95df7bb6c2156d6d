using ExamApi.Apis;
using ExamApi.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapOpenApiDocuments();
app.MapAdaptiveApi();
app.MapStudentsApi();
app.MapItemsApi();
app.MapDesignsApi();
app.MapBankReportsApi();
app.MapMonitoringApi();
app.MapPracticeApi();
app.MapCacheApi();

app.Run();
