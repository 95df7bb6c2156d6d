using Microsoft.EntityFrameworkCore;

namespace ExamStore.Data;

/// <summary>EF Core model of the exam database; the schema itself is created by the SQL migrations.</summary>
public sealed class ExamDbContext(DbContextOptions<ExamDbContext> options) : DbContext(options)
{
    /// <summary>Items.</summary>
    public DbSet<ItemEntity> Items => Set<ItemEntity>();

    /// <summary>Bank versions per subject.</summary>
    public DbSet<ItemBankVersionEntity> ItemBankVersions => Set<ItemBankVersionEntity>();

    /// <summary>Exam sessions.</summary>
    public DbSet<ExamSessionEntity> ExamSessions => Set<ExamSessionEntity>();

    /// <summary>Attempts.</summary>
    public DbSet<AttemptEntity> Attempts => Set<AttemptEntity>();

    /// <summary>Long-term proficiencies.</summary>
    public DbSet<StudentProficiencyEntity> StudentProficiencies => Set<StudentProficiencyEntity>();

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ItemEntity>(item =>
        {
            item.ToTable("items");
            item.HasKey(i => i.Id);
            item.Property(i => i.Id).HasColumnName("id").UseIdentityAlwaysColumn();
            item.Property(i => i.Subject).HasColumnName("subject");
            item.Property(i => i.Topic).HasColumnName("topic");
            item.Property(i => i.Content).HasColumnName("content");
            item.Property(i => i.Options).HasColumnName("options");
            item.Property(i => i.AnswerKey).HasColumnName("answer_key");
            item.Property(i => i.A).HasColumnName("a");
            item.Property(i => i.B).HasColumnName("b");
            item.Property(i => i.C).HasColumnName("c");
            item.Property(i => i.D).HasColumnName("d");
            item.Property(i => i.Status).HasColumnName("status");
            item.Property(i => i.CreatedAt).HasColumnName("created_at");
            item.Property(i => i.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<ItemBankVersionEntity>(version =>
        {
            version.ToTable("item_bank_versions");
            version.HasKey(v => v.Subject);
            version.Property(v => v.Subject).HasColumnName("subject");
            version.Property(v => v.Version).HasColumnName("version");
            version.Property(v => v.UpdatedAt).HasColumnName("updated_at");
        });
        modelBuilder.Entity<ExamSessionEntity>(session =>
        {
            session.ToTable("exam_sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
            session.Property(s => s.StudentId).HasColumnName("student_id");
            session.Property(s => s.Subject).HasColumnName("subject");
            session.Property(s => s.Configuration).HasColumnName("configuration").HasColumnType("jsonb");
            session.Property(s => s.BankVersion).HasColumnName("bank_version");
            session.Property(s => s.DesignKey).HasColumnName("design_key");
            session.Property(s => s.Status).HasColumnName("status");
            session.Property(s => s.Theta).HasColumnName("theta");
            session.Property(s => s.Se).HasColumnName("se");
            session.Property(s => s.ItemCount).HasColumnName("item_count");
            session.Property(s => s.FirstSelection).HasColumnName("first_selection").HasColumnType("jsonb");
            session.Property(s => s.StopReason).HasColumnName("stop_reason");
            session.Property(s => s.StartedAt).HasColumnName("started_at");
            session.Property(s => s.LastActivityAt).HasColumnName("last_activity_at");
            session.Property(s => s.CompletedAt).HasColumnName("completed_at");
            session.Property(s => s.ExpiresAt).HasColumnName("expires_at");
        });
        modelBuilder.Entity<AttemptEntity>(attempt =>
        {
            attempt.ToTable("attempts");
            attempt.HasKey(a => new { a.SessionId, a.Seq });
            attempt.Property(a => a.SessionId).HasColumnName("session_id");
            attempt.Property(a => a.Seq).HasColumnName("seq");
            attempt.Property(a => a.ItemId).HasColumnName("item_id");
            attempt.Property(a => a.Response).HasColumnName("response");
            attempt.Property(a => a.Correct).HasColumnName("correct");
            attempt.Property(a => a.ThetaAfter).HasColumnName("theta_after");
            attempt.Property(a => a.SeAfter).HasColumnName("se_after");
            attempt.Property(a => a.ServedAt).HasColumnName("served_at");
            attempt.Property(a => a.AnsweredAt).HasColumnName("answered_at");
            attempt.Property(a => a.NextSelection).HasColumnName("next_selection").HasColumnType("jsonb");
        });
        modelBuilder.Entity<StudentProficiencyEntity>(proficiency =>
        {
            proficiency.ToTable("student_proficiencies");
            proficiency.HasKey(p => new { p.StudentId, p.Subject, p.Topic });
            proficiency.Property(p => p.StudentId).HasColumnName("student_id");
            proficiency.Property(p => p.Subject).HasColumnName("subject");
            proficiency.Property(p => p.Topic).HasColumnName("topic");
            proficiency.Property(p => p.Theta).HasColumnName("theta");
            proficiency.Property(p => p.Se).HasColumnName("se");
            proficiency.Property(p => p.Sessions).HasColumnName("sessions");
            proficiency.Property(p => p.UpdatedAt).HasColumnName("updated_at");
        });
    }
}
