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
    /// A call's argument whose value Lua moves into place on another line than the call's (the
    /// line of the `,` or `)` after it): the debugger has a line event there.
    At(Box<Expr>, u32),
}

impl Expr {
    /// Whether the expression can give several values (a call or `...` last in a list).
    pub fn is_multi(&self) -> bool {
        match self {
            Expr::At(inner, _) => inner.is_multi(),
            _ => matches!(self, Expr::Call(..) | Expr::Method(..) | Expr::Vararg),
        }
    }
}

#[derive(Debug)]
pub struct Stat {
    pub line: u32,
    /// The locals in scope where the statement starts, as an index into [`Proto::scopes`] (what
    /// the Lua debugger's `print` lists).
    pub scope: u32,
    /// Lua compiles no instruction of the statement on its own line first (`do`, `repeat`, a
    /// closure made on its `end` line, `local x` before any code): no line event at the start.
    pub quiet: bool,
    pub kind: StatKind,
}

#[derive(Debug)]
pub enum StatKind {
    Call(Expr),
    Local(Vec<u16>, Vec<Expr>),
    Assign(Vec<Expr>, Vec<Expr>),
    Do(Block),
    While(Expr, Block),
    /// The body, the condition, and the line and scope of `until`.
    Repeat(Block, Expr, u32, u32),
    /// Each arm's condition, block and the line of its `if` or `elseif`.
    If(Vec<(Expr, Block, u32)>, Option<Block>),
    /// `hidden`: the first of the three slots Lua's debug interface shows as `(for index)`,
    /// `(for limit)` and `(for step)`; `looping`: the scope where the loop tests its end.
    NumFor {
        var: u16,
        start: Expr,
        limit: Expr,
        step: Option<Expr>,
        body: Block,
        hidden: u16,
        looping: u32,
    },
    /// As `NumFor`, with `(for generator)`, `(for state)` and `(for control)`.
    GenFor {
        vars: Vec<u16>,
        exprs: Vec<Expr>,
        body: Block,
        hidden: u16,
        looping: u32,
    },
    LocalFunction(u16, Rc<Proto>),
    /// `function name() ... end`: assigned as `Assign`, but Lua places the store on the
    /// statement's first line.
    Function(Expr, Rc<Proto>),
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
    /// The line of the last token (`end`, or the chunk's last): where falling off the end returns.
    pub end_line: u32,
    /// The locals in scope at each statement ([`Stat::scope`]), in declaration order.
    pub scopes: Vec<Rc<[(Name, u16)]>>,
}
