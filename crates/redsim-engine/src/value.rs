//! The values a key can hold.

use crate::stream::Stream;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Vec<u8>),
    Stream(Box<Stream>),
}

impl Value {
    /// What `TYPE` answers for a key holding this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Stream(_) => "stream",
        }
    }
}
