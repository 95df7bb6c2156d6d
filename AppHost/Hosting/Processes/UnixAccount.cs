namespace AppHost.Hosting.Processes;

/// <summary>A local user account read from /etc/passwd (used to run PostgreSQL unprivileged when the host is root).</summary>
internal sealed record UnixAccount(string Name, int UserId, int GroupId)
{
    public static UnixAccount? Find(string name)
    {
        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == name)
            {
                return new UnixAccount(name, int.Parse(fields[2]), int.Parse(fields[3]));
            }
        }

        return null;
    }

    public void Own(string path) => UnixSignals.ChangeOwner(path, UserId, GroupId);
}
