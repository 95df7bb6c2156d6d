using AppHost.Hosting;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var cache = builder.AddRedis("cache");
var examdb = builder.AddPostgres("postgres").AddDatabase("examdb");

// The admin key is shown in the startup report (a developer needs it for the admin endpoints); the session signing
// key is shared by every ExamApi replica so a token works on any of them. ExamApi:Replicas (env ExamApi__Replicas)
// runs several replicas, e.g. for the load harness's fault scenario.
var adminKey = builder.AddParameter("admin-key", secret: false);
var sessionKey = builder.AddParameter("session-key");

var examApi = builder.AddProject("examapi", "../ExamApi/ExamApi.csproj")
    .WithHttpEndpoint(port: 5300)
    .WithReplicas(builder.Configuration.GetValue("ExamApi:Replicas", 1))
    .WithReference(cache).WaitFor(cache)
    .WithReference(examdb).WaitFor(examdb)
    .WithEnvironment("Exam__AdminKey", adminKey)
    .WithEnvironment("Exam__SessionKey", sessionKey);

builder.AddProject("cleanupworker", "../CleanupWorker/CleanupWorker.csproj")
    .WithReference(cache)
    .WithReference(examdb)
    .WaitFor(examApi);

builder.Build().Run();

/// <summary>The AppHost's entry point, public so tests can name it: <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Program&gt;()</c>.</summary>
public partial class Program;
