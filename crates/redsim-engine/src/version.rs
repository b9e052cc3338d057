//! Which Redis the engine behaves like. Commands whose behaviour changed between versions ask the
//! profile (`ctx.version().at_least(7, 2)`) in the one place that differs; there is never a second
//! copy of a command.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u8,
    pub minor: u8,
}

impl Version {
    /// Checked byte for byte against Debian's redis-server 7.0.15.
    pub const V7_0: Version = Version { major: 7, minor: 0 };
    pub const V7_2: Version = Version { major: 7, minor: 2 };
    pub const V7_4: Version = Version { major: 7, minor: 4 };
    pub const V8_0: Version = Version { major: 8, minor: 0 };
    pub const V8_2: Version = Version { major: 8, minor: 2 };
    pub const V8_4: Version = Version { major: 8, minor: 4 };
    pub const V8_6: Version = Version { major: 8, minor: 6 };
    pub const V8_8: Version = Version { major: 8, minor: 8 };
    /// The newest Redis the engine follows (from redis.io's command pages): the app's default.
    pub const LATEST: Version = Version { major: 8, minor: 10 };
    /// Every profile the engine accepts, oldest first.
    pub const ALL: [Version; 9] =
        [Self::V7_0, Self::V7_2, Self::V7_4, Self::V8_0, Self::V8_2, Self::V8_4, Self::V8_6, Self::V8_8, Self::LATEST];

    pub fn at_least(self, major: u8, minor: u8) -> bool {
        self >= Version { major, minor }
    }

    /// What `INFO server` reports as `redis_version`.
    pub fn full(self) -> String {
        if self == Self::V7_0 {
            "7.0.15".to_string()
        } else {
            format!("{}.{}.0", self.major, self.minor)
        }
    }
}

impl Default for Version {
    fn default() -> Self {
        Version::LATEST
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Version {
    type Err = String;

    /// Accepts `7.0`, `7.0.15`, `8.x` or `latest`, for one of the known profiles.
    fn from_str(s: &str) -> Result<Version, String> {
        let wanted = s.trim().to_ascii_lowercase();
        if wanted == "latest" || wanted == "8.x" {
            return Ok(Version::LATEST);
        }
        let mut parts = wanted.split('.');
        let major = parts.next().and_then(|p| p.parse().ok());
        let minor = parts.next().and_then(|p| p.parse().ok());
        match (major, minor) {
            (Some(major), Some(minor)) => {
                let v = Version { major, minor };
                if Version::ALL.contains(&v) {
                    Ok(v)
                } else {
                    Err(format!("unknown Redis version '{s}': choose one of {}", known()))
                }
            }
            _ => Err(format!("cannot read Redis version '{s}': choose one of {}", known())),
        }
    }
}

fn known() -> String {
    Version::ALL.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_profiles() {
        assert_eq!("7.0".parse::<Version>(), Ok(Version::V7_0));
        assert_eq!("7.0.15".parse::<Version>(), Ok(Version::V7_0));
        assert_eq!("8.x".parse::<Version>(), Ok(Version::LATEST));
        assert!("6.2".parse::<Version>().is_err());
        assert!(Version::V7_4.at_least(7, 2));
        assert!(!Version::V7_0.at_least(7, 2));
        assert_eq!(Version::V7_0.full(), "7.0.15");
    }
}
