namespace OpsConsole.Domain;

/// <summary>
/// The id of a new row: a time-ordered UUID (version 7: the time in milliseconds, then 74 random bits). Stored rows are
/// found by id through an index; with random ids (version 4) every insert landed on a random page of that index, and of
/// every index that starts with a task's id (its log lines, assignments, usage), so a commit of a few writes wrote a few
/// hundred scattered pages. Ids that grow with time land on the last pages, which the next writes share. On the wire they
/// are ordinary UUIDs.
/// </summary>
public static class NewId
{
    public static Guid Next() => Guid.CreateVersion7();
}
