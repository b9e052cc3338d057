//! The `bit` library Redis gives scripts (LuaBitOp 1.0.2): 32-bit operations on Lua numbers,
//! which come in wrapped to 32 bits and go back as signed numbers.

use crate::interp::{Interp, LuaError};
use crate::stdlib::bad_arg;
use crate::value::Value;

type Out = Result<Vec<Value>, LuaError>;

/// LuaBitOp's `barg`: the number's low 32 bits after rounding (adding 2^52+2^51 puts the
/// integer part, rounded to nearest even, in the low bits of the double). A value that is not a
/// number, and not a string that reads as one, is a type error.
fn barg(interp: &Interp<'_>, args: &[Value], i: usize, fname: &str) -> Result<u32, LuaError> {
    match args.get(i).and_then(Value::to_number) {
        Some(n) => Ok((n + 6_755_399_441_055_744.0).to_bits() as u32),
        None => {
            let got = args.get(i).map_or("no value", Value::type_name);
            Err(bad_arg(interp, i, fname, &format!("number expected, got {got}")))
        }
    }
}

fn ret(b: u32) -> Out {
    Ok(vec![Value::Num(f64::from(b as i32))])
}

pub fn tobit(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    ret(barg(interp, &args, 0, "tobit")?)
}

pub fn bnot(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    ret(!barg(interp, &args, 0, "bnot")?)
}

/// `band`, `bor`, `bxor`: the first argument, then the others from the last one back.
fn fold(interp: &Interp<'_>, args: &[Value], fname: &str, op: fn(u32, u32) -> u32) -> Out {
    let mut b = barg(interp, args, 0, fname)?;
    for i in (1..args.len()).rev() {
        b = op(b, barg(interp, args, i, fname)?);
    }
    ret(b)
}

pub fn band(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    fold(interp, &args, "band", |a, b| a & b)
}

pub fn bor(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    fold(interp, &args, "bor", |a, b| a | b)
}

pub fn bxor(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    fold(interp, &args, "bxor", |a, b| a ^ b)
}

/// The shifts and rotations: the count is the second argument's low five bits.
fn shift(interp: &Interp<'_>, args: &[Value], fname: &str, op: fn(u32, u32) -> u32) -> Out {
    let b = barg(interp, args, 0, fname)?;
    let n = barg(interp, args, 1, fname)? & 31;
    ret(op(b, n))
}

pub fn lshift(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    shift(interp, &args, "lshift", |b, n| b << n)
}

pub fn rshift(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    shift(interp, &args, "rshift", |b, n| b >> n)
}

pub fn arshift(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    shift(interp, &args, "arshift", |b, n| ((b as i32) >> n) as u32)
}

pub fn rol(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    shift(interp, &args, "rol", u32::rotate_left)
}

pub fn ror(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    shift(interp, &args, "ror", u32::rotate_right)
}

pub fn bswap(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    ret(barg(interp, &args, 0, "bswap")?.swap_bytes())
}

/// `bit.tohex(x [, n])`: the low `|n|` hex digits (8 when left out, at most 8), upper case when
/// `n` is negative.
pub fn tohex(interp: &mut Interp<'_>, args: Vec<Value>) -> Out {
    let mut b = barg(interp, &args, 0, "tohex")?;
    let n = if args.len() < 2 { 8 } else { barg(interp, &args, 1, "tohex")? as i32 };
    let digits: &[u8; 16] = if n < 0 { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let width = n.unsigned_abs().min(8) as usize;
    let mut buf = vec![b'0'; width];
    for slot in buf.iter_mut().rev() {
        *slot = digits[(b & 15) as usize];
        b >>= 4;
    }
    Ok(vec![Value::str(buf)])
}
