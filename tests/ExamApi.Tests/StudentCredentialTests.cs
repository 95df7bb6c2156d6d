using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ExamApi.Tests;

/// <summary>
/// Starting an exam or a practice session needs a credential for the body's studentId: a student token from the admin
/// endpoint or an LMS launch token (JWT, HS256). Without one (or with a bad one) 401; with another student's, 403.
/// </summary>
[Collection(CredentialGraphCollection.Name)]
public sealed class StudentCredentialTests(CredentialGraphFixture fixture)
{
    private readonly ExamClient client = new(fixture.CreateClient());

    public static TheoryData<string> StartPaths => ["/api/adaptive/start", "/api/practice/sessions"];

    [Theory]
    [MemberData(nameof(StartPaths))]
    public async Task StartWithoutACredentialIs401WithABearerChallengeAndCreatesNothing(string path)
    {
        var studentId = NewStudent();
        var sessions = await SessionCountAsync();

        var response = await client.PostRawAsync(path, StartBody(studentId), null);

        AssertUnauthorized(response);
        Assert.Equal("Bearer", response.Message.Headers.WwwAuthenticate.Single().ToString());
        Assert.Equal(sessions, await SessionCountAsync());
    }

    [Theory]
    [MemberData(nameof(StartPaths))]
    public async Task AStudentTokenStartsForItsStudent(string path)
    {
        var studentId = await KnownStudentAsync();
        var response = await client.PostRawAsync(path, StartBody(studentId), await client.StudentTokenAsync(studentId));
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
    }

    [Theory]
    [MemberData(nameof(StartPaths))]
    public async Task AnotherStudentsTokenIs403NamingStudentId(string path)
    {
        var studentId = await KnownStudentAsync();
        var sessions = await SessionCountAsync();

        var response = await client.PostRawAsync(path, StartBody(studentId), await client.StudentTokenAsync(NewStudent()));

        Assert.True(response.Status == HttpStatusCode.Forbidden, response.Body);
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.Equal("studentId", response.Field);
        Assert.Equal(sessions, await SessionCountAsync());
    }

    [Fact]
    public async Task AnExpiredTokenIs401()
    {
        var studentId = NewStudent();
        var issued = await client.IssueStudentTokenAsync(studentId, lifetimeSeconds: 3);
        var token = issued.Json!["token"]!.GetValue<string>();
        var expiresAt = issued.Json["expiresAt"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));

        var before = await client.PostRawAsync("/api/adaptive/start", StartBody(studentId), token);
        Assert.True(before.Status == HttpStatusCode.Created, before.Body);

        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var after = await client.PostRawAsync("/api/adaptive/start", StartBody(studentId), token);
        AssertUnauthorized(after);
        Assert.Equal("Bearer error=\"invalid_token\"", after.Message.Headers.WwwAuthenticate.Single().ToString());
    }

    [Fact]
    public async Task ATamperedForgedOrForeignTokenIs401()
    {
        var studentId = NewStudent();
        var token = await client.StudentTokenAsync(studentId);
        var exam = await client.StartExamAsync("test-math", studentId: studentId);
        var otherKey = Base64UrlEncoder.Encode(new byte[8 + 4 + 32]);
        string[] refused =
        [
            Flip(token, token.Length / 2), // in the student id
            Flip(token, 3), // in the expiry
            Flip(token, token.Length - 2), // in the signature
            token + "A", token[..^1], token[..^4],
            otherKey, "garbage", new string('A', 2000),
            exam.Token, // a session token is no student credential
            ExamGraphFixture.AdminKey,
        ];

        foreach (var credential in refused)
        {
            var response = await client.PostRawAsync("/api/adaptive/start", StartBody(studentId), credential);
            Assert.True(response.Status == HttpStatusCode.Unauthorized, $"'{credential}': {(int)response.Status} {response.Body}");
        }

        Assert.Equal(HttpStatusCode.Created, (await client.PostRawAsync("/api/adaptive/start", StartBody(studentId), token)).Status);
    }

    [Theory]
    [MemberData(nameof(StartPaths))]
    public async Task AValidLmsLaunchTokenStartsForItsSubject(string path)
    {
        var studentId = await KnownStudentAsync();
        var response = await client.PostRawAsync(path, StartBody(studentId), LaunchToken(studentId));
        Assert.True(response.Status == HttpStatusCode.Created, response.Body);
    }

    public static TheoryData<string> BadLaunchTokens => ["wrong signature", "expired", "wrong audience", "wrong issuer", "no expiry", "unsigned", "HS512"];

    [Theory]
    [MemberData(nameof(BadLaunchTokens))]
    public async Task ABadLmsLaunchTokenIs401(string flaw)
    {
        var studentId = NewStudent();
        var now = DateTime.UtcNow;
        var token = flaw switch
        {
            "wrong signature" => LaunchToken(studentId, key: "another-lms-shared-secret-0123456789abcdefgh"),
            "expired" => LaunchToken(studentId, expires: now.AddMinutes(-5)),
            "wrong audience" => LaunchToken(studentId, audience: "another-service"),
            "wrong issuer" => LaunchToken(studentId, issuer: "https://evil.example.test"),
            "no expiry" => LaunchToken(studentId, withExpiry: false),
            "unsigned" => new JsonWebTokenHandler().CreateToken(
                $$"""{"iss":"{{CredentialGraphFixture.LmsIssuer}}","aud":"{{CredentialGraphFixture.LmsAudience}}","sub":"{{studentId}}","exp":{{new DateTimeOffset(now.AddMinutes(5)).ToUnixTimeSeconds()}}}"""),
            "HS512" => LaunchToken(studentId, algorithm: SecurityAlgorithms.HmacSha512, key: CredentialGraphFixture.LmsSigningKey + CredentialGraphFixture.LmsSigningKey),
            _ => throw new ArgumentOutOfRangeException(nameof(flaw)),
        };

        var response = await client.PostRawAsync("/api/adaptive/start", StartBody(studentId), token);

        AssertUnauthorized(response);
    }

    [Fact]
    public async Task AnLmsLaunchTokenForAnotherStudentIs403()
    {
        var response = await client.PostRawAsync("/api/adaptive/start", StartBody(NewStudent()), LaunchToken(NewStudent()));
        Assert.True(response.Status == HttpStatusCode.Forbidden, response.Body);
        Assert.Equal("studentId", response.Field);
    }

    [Fact]
    public async Task IssuingATokenNeedsTheAdminKeyAndAValidLifetime()
    {
        var studentId = NewStudent();
        foreach (var key in new[] { "", "wrong-admin-key-0123456789" })
        {
            var refused = await client.SendAsync(HttpMethod.Post, $"/api/students/{studentId}/tokens", null, null, key.Length == 0 ? null : key);
            Assert.True(refused.Status == HttpStatusCode.Unauthorized, refused.Body);
            Assert.Equal("application/problem+json", refused.Message.Content.Headers.ContentType?.MediaType);
        }

        // An admin key is no student credential either.
        var withAdminKey = await client.SendAsync(HttpMethod.Post, "/api/adaptive/start", null, new StringContent(StartBody(studentId), Encoding.UTF8, "application/json"),
            ExamGraphFixture.AdminKey);
        Assert.Equal(HttpStatusCode.Unauthorized, withAdminKey.Status);

        var issued = await client.IssueStudentTokenAsync(studentId);
        Assert.True(issued.Status == HttpStatusCode.OK, issued.Body);
        Assert.Equal(studentId, issued.Json!["studentId"]!.GetValue<string>());
        Assert.InRange(issued.Json["expiresAt"]!.GetValue<DateTimeOffset>() - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));

        foreach (var lifetime in new[] { 0, -5, 7 * 24 * 3600 + 1 })
        {
            var bad = await client.IssueStudentTokenAsync(studentId, lifetime);
            Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
            Assert.Equal("lifetimeSeconds", bad.Field);
        }

        var tooLong = await client.IssueStudentTokenAsync(new string('s', 101));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.Status);
        Assert.Equal("studentId", tooLong.Field);
    }

    private static string NewStudent() => $"cred-{Guid.NewGuid():N}"[..24];

    // A student known from an exam, so that a practice session can be generated for them too.
    private async Task<string> KnownStudentAsync()
    {
        var studentId = NewStudent();
        await client.StartExamAsync("test-math", maxItems: 5, studentId: studentId);
        return studentId;
    }

    private static string StartBody(string studentId) => $$"""{"studentId":"{{studentId}}","subject":"test-math"}""";

    private async Task<long> SessionCountAsync() =>
        await fixture.ScalarAsync<long>("SELECT count(*) FROM exam_sessions") + await fixture.ScalarAsync<long>("SELECT count(*) FROM practice_sessions");

    private static void AssertUnauthorized(ApiResponse response)
    {
        Assert.True(response.Status == HttpStatusCode.Unauthorized, response.Body);
        Assert.Equal("application/problem+json", response.Message.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Message.Headers.WwwAuthenticate.Single().Scheme);
    }

    private static string Flip(string token, int index) => token[..index] + (token[index] == 'A' ? 'B' : 'A') + token[(index + 1)..];

    // Signed as the LMS signs them unless a flaw is asked for; five minutes to live by default, no exp at all without withExpiry.
    private static string LaunchToken(string studentId, string key = CredentialGraphFixture.LmsSigningKey, string issuer = CredentialGraphFixture.LmsIssuer,
        string audience = CredentialGraphFixture.LmsAudience, DateTime? expires = null, bool withExpiry = true, string algorithm = SecurityAlgorithms.HmacSha256)
    {
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = studentId },
            IssuedAt = now.AddMinutes(-10),
            NotBefore = now.AddMinutes(-10),
            Expires = withExpiry ? expires ?? now.AddMinutes(5) : null,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), algorithm),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }
}
