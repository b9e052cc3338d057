//! Redis 8.10's `BACKUP START|SEAL|STATUS|LIST|ABORT|CLEANUP|HELP`: the online backup state
//! machine, following redis.io's command pages and its persistence page (no 8.10 source was at
//! hand: the error texts are Redsim's, listed in docs/COMMANDS.md).
//!
//! A backup is a multi-part AOF file set under `dir`/`backupdirname`: a BASE snapshot
//! (`appendonly.aof.N.base.rdb`), the writes after it (`appendonly.aof.N.incr.aof`) and a manifest.
//! `idle` → `BACKUP START` → `snapshotting` → `incrementing` (BASE pinned) → `BACKUP SEAL` →
//! `sealed` (all three pinned) → `BACKUP CLEANUP` → `idle`; `BACKUP ABORT` before the seal ends in
//! `failed`, from which a new backup may start. A simulator forks no child and writes no file: the
//! BASE is the data at `BACKUP START`, so the snapshot is done at once and the state goes straight
//! to `incrementing` (`pending` and `snapshotting`, which wait on a fork, do not occur);
//! `backup-sealed-ttl` cleans a sealed backup up when its seconds have passed in virtual time.

use super::*;

/// The backup state machine's states, as `BACKUP STATUS` names them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BackupState {
    #[default]
    Idle,
    Incrementing,
    Sealed,
    Failed,
}

impl BackupState {
    fn name(self) -> &'static str {
        match self {
            BackupState::Idle => "idle",
            BackupState::Incrementing => "incrementing",
            BackupState::Sealed => "sealed",
            BackupState::Failed => "failed",
        }
    }
}

/// The server's backup: its state, error, times (virtual ms) and the AOF sequence of its files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Backup {
    pub state: BackupState,
    pub error: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The `N` of `appendonly.aof.N.base.rdb` (each AOF rewrite takes the next).
    pub seq: u64,
}

impl Backup {
    /// `INFO persistence`'s `backup_in_progress`: started and not yet sealed.
    pub fn in_progress(&self) -> bool {
        self.state == BackupState::Incrementing
    }
}

const SINCE: &str = "8.10.0";
const ADMIN: &[Flag] = &[Flag::Admin, Flag::NoScript];

/// `BACKUP <subcommand>`
pub static BACKUP: CommandSpec = CommandSpec::new("backup", -2, SERVER, SINCE)
    .doc("<subcommand> [<arg> ...]", "A container for backup management commands.")
    .subcommands(&[
        CommandSpec::new("start", 2, SERVER, SINCE)
            .flags(ADMIN)
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "Start a new backup into the configured 'backupdirname'.")
            .run(start),
        CommandSpec::new("seal", 2, SERVER, SINCE)
            .flags(ADMIN)
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "Seal the current backup, producing the final immutable file set.")
            .run(seal),
        CommandSpec::new("status", 2, SERVER, SINCE)
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "Report the current backup state.")
            .run(status),
        CommandSpec::new("list", 2, SERVER, SINCE)
            .flags(&[Flag::Admin, Flag::NoScript, Flag::Loading, Flag::Stale])
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "List the absolute paths of the backup files pinned so far.")
            .run(list),
        CommandSpec::new("abort", 2, SERVER, SINCE)
            .flags(ADMIN)
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "Cancel a backup that has not been sealed yet.")
            .run(abort),
        CommandSpec::new("cleanup", 2, SERVER, SINCE)
            .flags(ADMIN)
            .acl(&[Category::Admin, Category::Dangerous])
            .doc("", "Remove the sealed backup files and return to idle.")
            .run(cleanup),
        CommandSpec::new("help", 2, SERVER, SINCE)
            .flags(&[Flag::Loading, Flag::Stale])
            .doc("", "Returns helpful text about the different subcommands.")
            .run(|_, _| {
                Ok(crate::commands::stream::help_reply(
                    "BACKUP",
                    &[
                        "START",
                        "    Start a new backup: produce a BASE snapshot in 'backupdirname'.",
                        "SEAL",
                        "    Freeze the backup: pin the INCR file and write the manifest.",
                        "STATUS",
                        "    Report the backup state, error and times.",
                        "LIST",
                        "    List the absolute paths of the files pinned so far.",
                        "ABORT",
                        "    Cancel a backup that has not been sealed.",
                        "CLEANUP",
                        "    Remove a sealed or failed backup and return to idle.",
                    ],
                ))
            }),
    ]);

fn start(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let backup = &mut ctx.server.backup;
    match backup.state {
        BackupState::Incrementing => return Err(Error::other("ERR a backup is already in progress")),
        BackupState::Sealed => {
            return Err(Error::other("ERR the backup directory is not empty: clean up the sealed backup first"))
        }
        BackupState::Idle | BackupState::Failed => {}
    }
    ctx.server.aof_seq += 1;
    ctx.server.backup = Backup {
        state: BackupState::Incrementing,
        error: String::new(),
        start_ms: ctx.now_ms,
        end_ms: 0,
        seq: ctx.server.aof_seq,
    };
    Ok(Reply::ok())
}

fn seal(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let backup = &mut ctx.server.backup;
    match backup.state {
        BackupState::Incrementing => {
            backup.state = BackupState::Sealed;
            backup.end_ms = ctx.now_ms;
            Ok(Reply::ok())
        }
        BackupState::Sealed => Err(Error::other("ERR the backup is already sealed")),
        BackupState::Idle | BackupState::Failed => Err(Error::other("ERR no backup in progress")),
    }
}

fn abort(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let backup = &mut ctx.server.backup;
    match backup.state {
        BackupState::Incrementing => {
            backup.state = BackupState::Failed;
            backup.error = "aborted".into();
            Ok(Reply::ok())
        }
        BackupState::Sealed => Err(Error::other("ERR the backup is sealed: use BACKUP CLEANUP")),
        BackupState::Idle | BackupState::Failed => Err(Error::other("ERR no backup in progress")),
    }
}

fn cleanup(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let backup = &mut ctx.server.backup;
    match backup.state {
        BackupState::Sealed | BackupState::Failed => {
            *backup = Backup::default();
            Ok(Reply::ok())
        }
        BackupState::Incrementing => Err(Error::other("ERR the backup is not sealed: use BACKUP SEAL or BACKUP ABORT")),
        BackupState::Idle => Err(Error::other("ERR no backup to clean up")),
    }
}

fn status(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let b = &ctx.server.backup;
    let field = |name: &str, value: String| (Reply::bulk(name), Reply::bulk(value));
    Ok(Reply::Map(vec![
        field("state", b.state.name().to_string()),
        field("error", b.error.clone()),
        field("start_time", (b.start_ms / 1000).to_string()),
        field("end_time", (b.end_ms / 1000).to_string()),
    ]))
}

fn list(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let b = &ctx.server.backup;
    let settings = &ctx.server.config.settings;
    let dir = String::from_utf8_lossy(settings.text("dir")).into_owned();
    let folder = format!("{}/{}", dir.trim_end_matches('/'), String::from_utf8_lossy(settings.text("backupdirname")));
    let name = String::from_utf8_lossy(settings.text("appendfilename")).into_owned();
    let base = format!("{folder}/{name}.{}.base.rdb", b.seq);
    let files = match b.state {
        BackupState::Incrementing => vec![base],
        BackupState::Sealed => {
            vec![base, format!("{folder}/{name}.{}.incr.aof", b.seq), format!("{folder}/{name}.manifest")]
        }
        BackupState::Idle | BackupState::Failed => Vec::new(),
    };
    Ok(Reply::Array(files.into_iter().map(Reply::bulk).collect()))
}

impl crate::server::Server {
    /// When `backup-sealed-ttl` cleans up the sealed backup, if it will.
    pub(crate) fn backup_deadline(&self) -> Option<u64> {
        let ttl = self.config.settings.number("backup-sealed-ttl");
        (self.backup.state == BackupState::Sealed && ttl > 0)
            .then(|| self.backup.end_ms.saturating_add((ttl as u64).saturating_mul(1000)))
    }

    /// `backup-sealed-ttl`: a sealed backup is cleaned up once that many seconds have passed.
    pub(crate) fn backup_cron(&mut self, now_ms: u64) {
        let ttl = self.config.settings.number("backup-sealed-ttl");
        if self.backup.state == BackupState::Sealed
            && ttl > 0
            && now_ms >= self.backup.end_ms.saturating_add((ttl as u64).saturating_mul(1000))
        {
            self.backup = Backup::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::check;
    use crate::Version;

    #[test]
    fn a_backup_from_start_to_cleanup() {
        check(
            Version::LATEST,
            "@0 > BACKUP STATUS\n1) \"state\"\n2) \"idle\"\n3) \"error\"\n4) \"\"\n5) \"start_time\"\n6) \"0\"\n7) \"end_time\"\n8) \"0\"\n\
             @0 > BACKUP LIST\n(empty array)\n\
             @0 > BACKUP SEAL\n(error) ERR no backup in progress\n\
             @0 > BACKUP CLEANUP\n(error) ERR no backup to clean up\n\
             @1000 > BACKUP START\nOK\n\
             @1000 > BACKUP START\n(error) ERR a backup is already in progress\n\
             @1000 > BACKUP LIST\n1) \"/backupdir/appendonly.aof.1.base.rdb\"\n\
             @1000 > BACKUP CLEANUP\n(error) ERR the backup is not sealed: use BACKUP SEAL or BACKUP ABORT\n\
             @5000 > BACKUP SEAL\nOK\n\
             @5000 > BACKUP STATUS\n1) \"state\"\n2) \"sealed\"\n3) \"error\"\n4) \"\"\n5) \"start_time\"\n6) \"1\"\n7) \"end_time\"\n8) \"5\"\n\
             @5000 > BACKUP LIST\n1) \"/backupdir/appendonly.aof.1.base.rdb\"\n2) \"/backupdir/appendonly.aof.1.incr.aof\"\n3) \"/backupdir/appendonly.aof.manifest\"\n\
             @5000 > BACKUP ABORT\n(error) ERR the backup is sealed: use BACKUP CLEANUP\n\
             @5000 > BACKUP START\n(error) ERR the backup directory is not empty: clean up the sealed backup first\n\
             @5000 > BACKUP CLEANUP\nOK\n\
             @5000 > BGREWRITEAOF\nBackground append only file rewriting started\n\
             @6000 > BACKUP START\nOK\n\
             @6000 > BACKUP LIST\n1) \"/backupdir/appendonly.aof.3.base.rdb\"\n\
             @6000 > BACKUP ABORT\nOK\n\
             @6000 > BACKUP STATUS\n1) \"state\"\n2) \"failed\"\n3) \"error\"\n4) \"aborted\"\n5) \"start_time\"\n6) \"6\"\n7) \"end_time\"\n8) \"0\"\n\
             @6000 > BACKUP LIST\n(empty array)\n\
             @6000 > BACKUP START\nOK\n\
             @6000 > BACKUP FOO\n(error) ERR unknown subcommand 'FOO'. Try BACKUP HELP.\n",
        );
    }

    #[test]
    fn a_sealed_backup_is_cleaned_up_after_its_ttl() {
        check(
            Version::LATEST,
            "@0 > CONFIG SET backup-sealed-ttl 10\nOK\n\
             @0 > BACKUP START\nOK\n\
             @0 > BACKUP SEAL\nOK\n\
             @9000 > BACKUP LIST\n1) \"/backupdir/appendonly.aof.1.base.rdb\"\n2) \"/backupdir/appendonly.aof.1.incr.aof\"\n3) \"/backupdir/appendonly.aof.manifest\"\n\
             @10000 > BACKUP LIST\n(empty array)\n\
             @10000 > CONFIG GET backupdirname\n1) \"backupdirname\"\n2) \"backupdir\"\n",
        );
        let mut server = crate::Server::new(Version::LATEST);
        let c = server.connect(0);
        let info =
            |server: &mut crate::Server| match server.execute(0, c, &[b"INFO".to_vec(), b"persistence".to_vec()]).reply
            {
                Some(crate::reply::Reply::Verbatim(_, text) | crate::reply::Reply::Bulk(text)) => {
                    String::from_utf8_lossy(&text).into_owned()
                }
                other => format!("{other:?}"),
            };
        assert!(info(&mut server).contains("backup_in_progress:0"));
        server.execute(0, c, &[b"BACKUP".to_vec(), b"START".to_vec()]);
        assert!(info(&mut server).contains("backup_in_progress:1"));
        check(
            Version::V8_8,
            "@0 > BACKUP START\n(error) ERR unknown command 'BACKUP', with args beginning with: 'START' \n",
        );
    }
}
