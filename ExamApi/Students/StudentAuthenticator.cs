namespace ExamApi.Students;

/// <summary>
/// The student a bearer credential proves: a student token (<see cref="StudentTokens"/>) or, when an LMS is configured,
/// an LMS launch token (<see cref="LmsLaunchTokens"/>). A JWT has dots and a student token (base64url) has none, so each
/// credential goes to the one verifier that can accept it.
/// </summary>
internal sealed class StudentAuthenticator(StudentTokens studentTokens, LmsLaunchTokens? lmsLaunchTokens)
{
    /// <summary>The student of a valid credential, or null.</summary>
    public async ValueTask<string?> StudentOfAsync(string credential)
    {
        if (!credential.Contains('.', StringComparison.Ordinal)) return studentTokens.Verify(credential);
        return lmsLaunchTokens is null ? null : await lmsLaunchTokens.StudentOfAsync(credential);
    }
}
