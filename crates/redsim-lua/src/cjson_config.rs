//! lua-cjson's settings and the functions that read and change them (`cjson.encode_max_depth`,
//! `cjson.encode_sparse_array`, ...). The host keeps them, so a script that changes one changes
//! it for the scripts after it, as in Redis, whose Lua state lives on between scripts.

use crate::interp::{Interp, LuaError};
use crate::stdlib::bad_arg;
use crate::value::Value;

type Out = Result<Vec<Value>, LuaError>;

/// How `cjson.encode` writes NaN and the infinities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvalidNumbers {
    /// An error (the default).
    Refuse,
    /// As `inf`, `-inf` and `nan`.
    Write,
    /// As `null`.
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CjsonConfig {
    pub sparse_convert: bool,
    pub sparse_ratio: i64,
    pub sparse_safe: i64,
    pub encode_max_depth: i64,
    pub decode_max_depth: i64,
    pub number_precision: i64,
    pub keep_buffer: bool,
    pub encode_invalid_numbers: InvalidNumbers,
    pub decode_invalid_numbers: bool,
}

impl Default for CjsonConfig {
    /// lua-cjson's `DEFAULT_*` values.
    fn default() -> Self {
        CjsonConfig {
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            number_precision: 14,
            keep_buffer: true,
            encode_invalid_numbers: InvalidNumbers::Refuse,
            decode_invalid_numbers: true,
        }
    }
}

/// lua-cjson's `json_arg_init`: at most `n` arguments.
fn at_most(interp: &Interp<'_>, args: &[Value], n: usize, fname: &str) -> Result<(), LuaError> {
    if args.len() > n {
        return Err(bad_arg(interp, n, fname, "found too many arguments"));
    }
    Ok(())
}

/// lua-cjson's `json_integer_option`: the setting, changed first when the argument is given.
/// A value out of range is reported against argument #1, as the library does.
fn integer_option(
    interp: &Interp<'_>,
    args: &[Value],
    i: usize,
    fname: &str,
    (min, max): (i64, i64),
    setting: &mut i64,
) -> Result<Value, LuaError> {
    match args.get(i) {
        None | Some(Value::Nil) => {}
        Some(v) => {
            let n = match v.to_number() {
                Some(n) if n.is_nan() => 0,
                Some(n) => n as i64,
                None => return Err(bad_arg(interp, i, fname, &format!("number expected, got {}", v.type_name()))),
            };
            if !(min..=max).contains(&n) {
                return Err(bad_arg(interp, 0, fname, &format!("expected integer between {min} and {max}")));
            }
            *setting = n;
        }
    }
    Ok(Value::Num(*setting as f64))
}

/// lua-cjson's `json_enum_option` for on/off settings (and `"null"` where `options` has it):
/// a boolean or one of the option names.
fn enum_option(
    interp: &Interp<'_>,
    args: &[Value],
    i: usize,
    fname: &str,
    options: &[&str],
    setting: &mut usize,
) -> Result<Value, LuaError> {
    match args.get(i) {
        None | Some(Value::Nil) => {}
        Some(Value::Bool(b)) => *setting = usize::from(*b),
        Some(v) => {
            let Some(text) = v.to_bytes() else {
                return Err(bad_arg(interp, i, fname, &format!("string expected, got {}", v.type_name())));
            };
            match options.iter().position(|o| o.as_bytes() == &*text) {
                Some(p) => *setting = p,
                None => {
                    let msg = format!("invalid option '{}'", String::from_utf8_lossy(&text));
                    return Err(bad_arg(interp, i, fname, &msg));
                }
            }
        }
    }
    Ok(if *setting <= 1 { Value::Bool(*setting == 1) } else { Value::str(options[*setting]) })
}

const ON_OFF: &[&str] = &["off", "on"];
const INT_MAX: i64 = i32::MAX as i64;

fn bool_option(interp: &mut Interp<'_>, args: &[Value], fname: &str, get: fn(&mut CjsonConfig) -> &mut bool) -> Out {
    at_most(interp, args, 1, fname)?;
    let mut setting = usize::from(*get(interp.host.cjson()));
    let v = enum_option(interp, args, 0, fname, ON_OFF, &mut setting)?;
    *get(interp.host.cjson()) = setting == 1;
    Ok(vec![v])
}

fn int_option(
    interp: &mut Interp<'_>,
    args: &[Value],
    fname: &str,
    range: (i64, i64),
    get: fn(&mut CjsonConfig) -> &mut i64,
) -> Out {
    at_most(interp, args, 1, fname)?;
    let mut setting = *get(interp.host.cjson());
    let v = integer_option(interp, args, 0, fname, range, &mut setting)?;
    *get(interp.host.cjson()) = setting;
    Ok(vec![v])
}

pub fn encode_sparse_array(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    const NAME: &str = "encode_sparse_array";
    at_most(interp, &args, 3, NAME)?;
    let mut cfg = interp.host.cjson().clone();
    let mut convert = usize::from(cfg.sparse_convert);
    let convert_value = enum_option(interp, &args, 0, NAME, ON_OFF, &mut convert)?;
    cfg.sparse_convert = convert == 1;
    let ratio = integer_option(interp, &args, 1, NAME, (0, INT_MAX), &mut cfg.sparse_ratio)?;
    let safe = integer_option(interp, &args, 2, NAME, (0, INT_MAX), &mut cfg.sparse_safe)?;
    *interp.host.cjson() = cfg;
    Ok(vec![convert_value, ratio, safe])
}

pub fn encode_max_depth(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    int_option(interp, &args, "encode_max_depth", (1, INT_MAX), |c| &mut c.encode_max_depth)
}

pub fn decode_max_depth(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    int_option(interp, &args, "decode_max_depth", (1, INT_MAX), |c| &mut c.decode_max_depth)
}

pub fn encode_number_precision(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    int_option(interp, &args, "encode_number_precision", (1, 14), |c| &mut c.number_precision)
}

pub fn encode_keep_buffer(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    bool_option(interp, &args, "encode_keep_buffer", |c| &mut c.keep_buffer)
}

pub fn decode_invalid_numbers(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    bool_option(interp, &args, "decode_invalid_numbers", |c| &mut c.decode_invalid_numbers)
}

pub fn encode_invalid_numbers(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    const NAME: &str = "encode_invalid_numbers";
    at_most(interp, &args, 1, NAME)?;
    let mut setting = match interp.host.cjson().encode_invalid_numbers {
        InvalidNumbers::Refuse => 0,
        InvalidNumbers::Write => 1,
        InvalidNumbers::Null => 2,
    };
    let v = enum_option(interp, &args, 0, NAME, &["off", "on", "null"], &mut setting)?;
    interp.host.cjson().encode_invalid_numbers = match setting {
        0 => InvalidNumbers::Refuse,
        1 => InvalidNumbers::Write,
        _ => InvalidNumbers::Null,
    };
    Ok(vec![v])
}
