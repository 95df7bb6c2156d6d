using AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var cache = builder.AddRedis("cache");
var examdb = builder.AddPostgres("postgres").AddDatabase("examdb");

var examApi = builder.AddProject("examapi", "../ExamApi/ExamApi.csproj")
    .WithHttpEndpoint(port: 5300)
    .WithReference(cache).WaitFor(cache)
    .WithReference(examdb).WaitFor(examdb);

builder.AddProject("cleanupworker", "../CleanupWorker/CleanupWorker.csproj")
    .WithReference(cache)
    .WithReference(examdb)
    .WaitFor(examApi);

builder.Build().Run();

/// <summary>The AppHost's entry point, public so tests can name it: <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;()</c>.</summary>
public partial class Program;
