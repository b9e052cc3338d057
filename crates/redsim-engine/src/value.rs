//! The values a key can hold.

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    String(Vec<u8>),
}

impl Value {
    /// What `TYPE` answers for a key holding this value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
        }
    }
}
