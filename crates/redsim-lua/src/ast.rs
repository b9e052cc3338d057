//! The tree a chunk is parsed into, with every name already resolved to a local slot, an upvalue
//! or a global, so running it never searches scopes.

use std::rc::Rc;

pub type Name = Rc<[u8]>;

#[derive(Debug, Clone)]
pub enum Var {
    Local(u16),
    Upval(u16),
    Global(Name),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug)]
pub enum Expr {
    Nil,
    True,
    False,
    Num(f64),
    Str(Name),
    Vararg,
    Func(Rc<Proto>),
    /// Positional items have no key.
    Table(Vec<(Option<Expr>, Expr)>),
    Var(Var, Name),
    Index(Box<Expr>, Box<Expr>, u32),
    Call(Box<Expr>, Vec<Expr>, u32),
    Method(Box<Expr>, Name, Vec<Expr>, u32),
    Bin(BinOp, Box<Expr>, Box<Expr>, u32),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>, u32),
    Len(Box<Expr>, u32),
    /// `(f())`: one value only.
    Paren(Box<Expr>),
}

impl Expr {
    /// Whether the expression can give several values (a call or `...` last in a list).
    pub fn is_multi(&self) -> bool {
        matches!(self, Expr::Call(..) | Expr::Method(..) | Expr::Vararg)
    }
}

#[derive(Debug)]
pub struct Stat {
    pub line: u32,
    pub kind: StatKind,
}

#[derive(Debug)]
pub enum StatKind {
    Call(Expr),
    Local(Vec<u16>, Vec<Expr>),
    Assign(Vec<Expr>, Vec<Expr>),
    Do(Block),
    While(Expr, Block),
    Repeat(Block, Expr),
    If(Vec<(Expr, Block)>, Option<Block>),
    NumFor { var: u16, start: Expr, limit: Expr, step: Option<Expr>, body: Block },
    GenFor { vars: Vec<u16>, exprs: Vec<Expr>, body: Block },
    LocalFunction(u16, Rc<Proto>),
    Return(Vec<Expr>),
    Break,
}

pub type Block = Vec<Stat>;

/// Where a closure finds each of its upvalues when it is created.
#[derive(Debug, Clone, Copy)]
pub enum UpvalFrom {
    ParentLocal(u16),
    ParentUpval(u16),
}

#[derive(Debug)]
pub struct Proto {
    pub params: Vec<u16>,
    pub vararg: bool,
    pub slots: u16,
    pub upvals: Vec<UpvalFrom>,
    pub body: Block,
    pub line: u32,
}
