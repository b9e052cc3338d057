//! Who may run what: Redis's `NOAUTH` and `NOPERM` checks before a command runs or is queued, and
//! the `ACL LOG` of refusals.

use super::*;

/// One `ACL LOG` entry: a refusal, counted again when it recurs within a minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclLogEntry {
    pub id: u64,
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel`, `multi` or `lua`.
    pub context: &'static str,
    pub object: Vec<u8>,
    pub username: Vec<u8>,
    pub created_ms: u64,
    pub updated_ms: u64,
    pub client_info: String,
}

/// `acllog-max-len`.
const ACL_LOG_MAX: usize = 128;

impl Server {
    /// Whether a new connection must `AUTH` first: the default user has a password or is off.
    pub(crate) fn auth_required_by_default(&self) -> bool {
        self.users.get(b"default".as_slice()).is_none_or(|u| !u.nopass || !u.enabled)
    }

    /// Writes an `ACL LOG` entry for a command refused by the user's permissions.
    pub(super) fn log_refusal(
        &mut self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
        now_ms: u64,
    ) {
        let Some(c) = self.clients.get(&client) else { return };
        let Some(user) = self.users.get(&c.user) else { return };
        let Some(Err(denied)) = crate::acl::id_of(parent, spec).map(|id| user.check(id, argv)) else { return };
        let context = if c.multi.is_some() { "multi" } else { "toplevel" };
        let (reason, object) = match denied {
            crate::acl::Denied::Command => ("command", command::full_name(parent, spec).into_bytes()),
            crate::acl::Denied::Key(at) => ("key", argv[at].clone()),
            crate::acl::Denied::Channel(at) => ("channel", argv[at].clone()),
        };
        self.log_acl_denial(client, reason, context, &object, None, now_ms);
    }

    /// Redis's NOAUTH and NOPERM checks, before a command runs or is queued.
    pub(super) fn access_denied(
        &self,
        client: ClientId,
        parent: Option<&'static CommandSpec>,
        spec: &'static CommandSpec,
        argv: &[Vec<u8>],
    ) -> Option<String> {
        let c = self.clients.get(&client)?;
        if !c.authenticated && self.auth_required_by_default() && !spec.has(Flag::NoAuth) {
            return Some("NOAUTH Authentication required.".into());
        }
        let user = self.users.get(&c.user)?;
        let id = crate::acl::id_of(parent, spec)?;
        let denied = user.check(id, argv).err()?;
        let newer = self.version().at_least(7, 2);
        Some(match (denied, newer) {
            (crate::acl::Denied::Command, false) => {
                format!("NOPERM this user has no permissions to run the '{}' command", command::full_name(parent, spec))
            }
            (crate::acl::Denied::Command, true) => format!(
                "NOPERM User {} has no permissions to run the '{}' command",
                String::from_utf8_lossy(&c.user),
                command::full_name(parent, spec)
            ),
            (crate::acl::Denied::Key(_), false) => {
                "NOPERM this user has no permissions to access one of the keys used as arguments".into()
            }
            (crate::acl::Denied::Key(_), true) => "NOPERM No permissions to access a key".into(),
            (crate::acl::Denied::Channel(_), false) => {
                "NOPERM this user has no permissions to access one of the channels used as arguments".into()
            }
            (crate::acl::Denied::Channel(_), true) => "NOPERM No permissions to access a channel".into(),
        })
    }

    /// Redis's `addACLLogEntry`: a refusal joins a like one from the last minute among the ten
    /// newest, or becomes a new entry.
    #[allow(clippy::too_many_arguments)]
    pub fn log_acl_denial(
        &mut self,
        client: ClientId,
        reason: &'static str,
        context: &'static str,
        object: &[u8],
        username: Option<&[u8]>,
        now_ms: u64,
    ) {
        let Some(c) = self.clients.get(&client) else { return };
        let username = username.map_or_else(|| c.user.clone(), <[u8]>::to_vec);
        let client_info =
            crate::commands::connection::client_line_of(self, client, now_ms, None).trim_end().to_string();
        let same = self.acl_log.iter().take(10).position(|e| {
            e.reason == reason
                && e.context == context
                && e.object == object
                && e.username == username
                && e.updated_ms.abs_diff(now_ms) <= 60_000
        });
        if let Some(mut entry) = same.and_then(|at| self.acl_log.remove(at)) {
            entry.count += 1;
            entry.updated_ms = now_ms;
            entry.client_info = client_info;
            self.acl_log.push_front(entry);
            return;
        }
        let id = self.next_acl_log_id;
        self.next_acl_log_id += 1;
        self.acl_log.push_front(AclLogEntry {
            id,
            count: 1,
            reason,
            context,
            object: object.to_vec(),
            username,
            created_ms: now_ms,
            updated_ms: now_ms,
            client_info,
        });
        self.acl_log.truncate(ACL_LOG_MAX);
    }
}
