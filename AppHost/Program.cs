using AppHost;
using AppHost.LocalServers;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// Redis and PostgreSQL: Aspire's containers when publishing or where a container runtime answers, else the same
// resources as local processes (AppHost:Servers = auto | containers | processes; see AppHost/README.md).
var servers = ServerHosting.Choose(builder);
var cache = servers.AddRedis("cache");
var examdb = servers.AddPostgresDatabase("postgres", "examdb");

// Generated once and kept in the AppHost's user secrets; Parameters__admin-key, Parameters__session-key and
// Parameters__student-key override them. Every ExamApi replica signs session and student tokens with the same keys, so
// a token works on any of them.
var adminKey = builder.AddParameter("admin-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var sessionKey = builder.AddParameter("session-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);
var studentKey = builder.AddParameter("student-key", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: true);

// A fixed port for developers (ExamApi:HttpPort); a deployment chooses its own.
var examApiPort = builder.ExecutionContext.IsRunMode ? builder.Configuration.GetValue("ExamApi:HttpPort", 5300) : (int?)null;
var examApi = builder.AddProject<Projects.ExamApi>("examapi")
    .WithLocalRunDefaults()
    .WithHttpEndpoint(port: examApiPort, name: "http")
    .WithExternalHttpEndpoints()
    .WithReplicas(builder.Configuration.GetValue("ExamApi:Replicas", 1))
    .WithHttpHealthCheck("/health")
    .WithReference(cache).WaitFor(cache)
    .WithReference(examdb).WaitFor(examdb)
    .WithEnvironment("Exam__AdminKey", adminKey)
    .WithEnvironment("Exam__SessionKey", sessionKey)
    .WithEnvironment("Exam__StudentKey", studentKey);

// An LMS that launches students with signed JWTs (optional): ExamApi:Lms:Issuer and :Audience name it, and its shared
// secret is the lms-signing-key parameter (Parameters__lms-signing-key; a secret, so never in appsettings).
if (builder.Configuration["ExamApi:Lms:Issuer"] is { Length: > 0 } lmsIssuer)
{
    var lmsSigningKey = builder.AddParameter("lms-signing-key", secret: true);
    examApi.WithEnvironment("Exam__Lms__SigningKey", lmsSigningKey)
        .WithEnvironment("Exam__Lms__Issuer", lmsIssuer)
        .WithEnvironment("Exam__Lms__Audience", builder.Configuration["ExamApi:Lms:Audience"] ?? "examapi");
}

// The worker starts alongside ExamApi: both apply the database migrations at start, one at a time (advisory lock).
builder.AddProject<Projects.CleanupWorker>("cleanupworker")
    .WithLocalRunDefaults()
    .WithHttpEndpoint(name: "http")
    .WithHttpHealthCheck("/health")
    .WithReference(cache).WaitFor(cache)
    .WithReference(examdb).WaitFor(examdb);

builder.ExitWhenPortsAreTaken();
builder.LogWhenHealthy(examApi);

builder.Build().Run();
