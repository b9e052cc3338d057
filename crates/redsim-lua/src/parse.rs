//! Lua 5.1's grammar by recursive descent, with lparser.c's error messages.

use crate::ast::*;
use crate::lex::{Lexer, SyntaxError, Tok, Token};
use std::rc::Rc;

#[derive(Clone)]
struct FuncState {
    /// Active locals, innermost last: name and slot.
    actives: Vec<(Name, u16)>,
    next_slot: u16,
    max_slots: u16,
    upvals: Vec<(Name, UpvalFrom)>,
    vararg: bool,
    /// The distinct lists of active locals statements have started in ([`Proto::scopes`]).
    scopes: Vec<Rc<[(Name, u16)]>>,
    /// Some statement has compiled to code (Lua's `pc > 0`).
    coded: bool,
}

impl FuncState {
    fn new(vararg: bool) -> FuncState {
        FuncState {
            actives: Vec::new(),
            next_slot: 0,
            max_slots: 0,
            upvals: Vec::new(),
            vararg,
            scopes: Vec::new(),
            coded: false,
        }
    }

    /// The index of the locals active now in `scopes` (the last one again when nothing changed).
    fn scope(&mut self) -> u32 {
        let same = self.scopes.last().is_some_and(|last| {
            last.len() == self.actives.len()
                && last.iter().zip(&self.actives).all(|(a, b)| a.1 == b.1 && Rc::ptr_eq(&a.0, &b.0))
        });
        if !same {
            self.scopes.push(Rc::from(self.actives.as_slice()));
        }
        (self.scopes.len() - 1) as u32
    }
}

struct Parser<'a> {
    toks: Vec<Token>,
    pos: usize,
    funcs: Vec<FuncState>,
    /// Stands in for a function state should `funcs` be empty, which the parser never lets it be.
    spare: FuncState,
    chunk: &'a str,
    loops: Vec<usize>,
    /// Nesting of blocks and expressions so far (Lua's `nCcalls` while parsing).
    levels: usize,
}

/// How deeply a chunk may nest (LUAI_MAXCCALLS): it also bounds the evaluator's recursion.
const MAX_LEVELS: usize = 200;

type R<T> = Result<T, SyntaxError>;

/// Parses a whole chunk into the prototype of its main function (a vararg function).
pub fn parse_chunk(src: &[u8], chunk: &str) -> R<Rc<Proto>> {
    let toks = Lexer::new(src, chunk).tokens()?;
    let spare = FuncState::new(true);
    let mut p = Parser { toks, pos: 0, funcs: Vec::new(), spare, chunk, loops: vec![0], levels: 0 };
    p.open_func(true);
    let body = p.block()?;
    p.check(&Tok::Eof, "<eof>")?;
    let end_line = p.last_line();
    let f = p.funcs.pop().unwrap_or_else(|| p.spare.clone());
    Ok(Rc::new(Proto {
        params: Vec::new(),
        vararg: true,
        slots: f.max_slots,
        upvals: Vec::new(),
        body,
        line: 0,
        end_line,
        scopes: f.scopes,
    }))
}

fn token_name(t: &Tok) -> &'static str {
    match t {
        Tok::And => "and",
        Tok::Break => "break",
        Tok::Do => "do",
        Tok::Else => "else",
        Tok::Elseif => "elseif",
        Tok::End => "end",
        Tok::False => "false",
        Tok::For => "for",
        Tok::Function => "function",
        Tok::If => "if",
        Tok::In => "in",
        Tok::Local => "local",
        Tok::Nil => "nil",
        Tok::Not => "not",
        Tok::Or => "or",
        Tok::Repeat => "repeat",
        Tok::Return => "return",
        Tok::Then => "then",
        Tok::True => "true",
        Tok::Until => "until",
        Tok::While => "while",
        Tok::Assign => "=",
        Tok::RParen => ")",
        Tok::RBrace => "}",
        Tok::RBracket => "]",
        Tok::LParen => "(",
        Tok::LBrace => "{",
        Tok::Comma => ",",
        Tok::Eof => "<eof>",
        _ => "?",
    }
}

impl<'a> Parser<'a> {
    fn tok(&self) -> &Tok {
        &self.toks[self.pos].tok
    }

    fn line(&self) -> u32 {
        self.toks[self.pos].line
    }

    /// The line of the last token consumed (Lua's `lastline`, which code is attributed to).
    fn last_line(&self) -> u32 {
        match self.pos.checked_sub(1) {
            Some(at) => self.toks[at].line,
            None => self.line(),
        }
    }

    fn advance(&mut self) -> Token {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn error_near(&self, msg: &str) -> SyntaxError {
        let t = &self.toks[self.pos];
        SyntaxError(format!("{}:{}: {} near '{}'", self.chunk, t.line, msg, String::from_utf8_lossy(&t.text)))
    }

    fn enter(&mut self, extra: usize) -> R<()> {
        if self.levels + extra > MAX_LEVELS {
            return Err(SyntaxError(format!("{}:{}: chunk has too many syntax levels", self.chunk, self.line())));
        }
        Ok(())
    }

    fn test(&mut self, t: &Tok) -> bool {
        if self.tok() == t {
            self.advance();
            true
        } else {
            false
        }
    }

    fn check(&mut self, t: &Tok, shown: &str) -> R<()> {
        if self.tok() == t {
            self.advance();
            Ok(())
        } else {
            Err(self.error_near(&format!("'{shown}' expected")))
        }
    }

    fn check_match(&mut self, what: &Tok, who: &Tok, line: u32) -> R<()> {
        if self.tok() == what {
            self.advance();
            return Ok(());
        }
        if line == self.line() {
            Err(self.error_near(&format!("'{}' expected", token_name(what))))
        } else {
            Err(self.error_near(&format!(
                "'{}' expected (to close '{}' at line {})",
                token_name(what),
                token_name(who),
                line
            )))
        }
    }

    fn name(&mut self) -> R<Name> {
        if let Tok::Name(n) = self.tok() {
            let n = n.clone();
            self.advance();
            Ok(n)
        } else {
            Err(self.error_near("'<name>' expected"))
        }
    }

    // Scopes.

    fn open_func(&mut self, vararg: bool) {
        self.funcs.push(FuncState::new(vararg));
    }

    /// The function being parsed (there is always one: the chunk's main function at least).
    fn fs(&mut self) -> &mut FuncState {
        match self.funcs.last_mut() {
            Some(fs) => fs,
            None => &mut self.spare,
        }
    }

    fn declare(&mut self, name: Name) -> u16 {
        let fs = self.fs();
        let slot = fs.next_slot;
        fs.next_slot += 1;
        fs.max_slots = fs.max_slots.max(fs.next_slot);
        fs.actives.push((name, slot));
        slot
    }

    /// A loop's three internal locals, which no Lua name can refer to: their first slot.
    fn declare_hidden(&mut self, names: [&str; 3]) -> u16 {
        let first = self.declare(Rc::from(names[0].as_bytes()));
        self.declare(Rc::from(names[1].as_bytes()));
        self.declare(Rc::from(names[2].as_bytes()));
        first
    }

    fn scope_mark(&mut self) -> (usize, u16) {
        let fs = self.fs();
        (fs.actives.len(), fs.next_slot)
    }

    fn scope_close(&mut self, mark: (usize, u16)) {
        let fs = self.fs();
        fs.actives.truncate(mark.0);
        fs.next_slot = mark.1;
    }

    fn resolve(&mut self, name: &Name) -> Var {
        let depth = self.funcs.len() - 1;
        match self.resolve_in(depth, name) {
            Some(v) => v,
            None => Var::Global(name.clone()),
        }
    }

    fn resolve_in(&mut self, depth: usize, name: &Name) -> Option<Var> {
        let fs = &self.funcs[depth];
        if let Some((_, slot)) = fs.actives.iter().rev().find(|(n, _)| n == name) {
            return Some(Var::Local(*slot));
        }
        if let Some(i) = fs.upvals.iter().position(|(n, _)| n == name) {
            return Some(Var::Upval(i as u16));
        }
        if depth == 0 {
            return None;
        }
        let from = match self.resolve_in(depth - 1, name)? {
            Var::Local(slot) => UpvalFrom::ParentLocal(slot),
            Var::Upval(i) => UpvalFrom::ParentUpval(i),
            Var::Global(_) => return None,
        };
        let fs = &mut self.funcs[depth];
        fs.upvals.push((name.clone(), from));
        Some(Var::Upval((fs.upvals.len() - 1) as u16))
    }

    // Statements.

    fn block_follow(&self) -> bool {
        matches!(self.tok(), Tok::Else | Tok::Elseif | Tok::End | Tok::Until | Tok::Eof)
    }

    fn block(&mut self) -> R<Block> {
        let mark = self.scope_mark();
        let b = self.block_in_scope()?;
        self.scope_close(mark);
        Ok(b)
    }

    fn block_in_scope(&mut self) -> R<Block> {
        let mut stats = Vec::new();
        while !self.block_follow() {
            let last = matches!(self.tok(), Tok::Return | Tok::Break);
            stats.push(self.statement()?);
            self.test(&Tok::Semi);
            if last {
                break;
            }
        }
        Ok(stats)
    }

    fn statement(&mut self) -> R<Stat> {
        self.enter(1)?;
        self.levels += 1;
        let r = self.statement_inner();
        self.levels -= 1;
        r
    }

    fn statement_inner(&mut self) -> R<Stat> {
        let line = self.line();
        let scope = self.fs().scope();
        let kind = match self.tok().clone() {
            Tok::If => self.if_stat(line)?,
            Tok::While => {
                self.advance();
                let cond = self.expr()?;
                self.check(&Tok::Do, "do")?;
                let body = self.loop_block()?;
                self.check_match(&Tok::End, &Tok::While, line)?;
                StatKind::While(cond, body)
            }
            Tok::Do => {
                self.advance();
                let body = self.block()?;
                self.check_match(&Tok::End, &Tok::Do, line)?;
                StatKind::Do(body)
            }
            Tok::For => self.for_stat(line)?,
            Tok::Repeat => {
                self.advance();
                let mark = self.scope_mark();
                self.loops.push(self.funcs.len());
                let body = self.block_in_scope()?;
                self.loops.pop();
                let until_scope = self.fs().scope();
                self.check_match(&Tok::Until, &Tok::Repeat, line)?;
                let cond = self.expr()?;
                let until_line = self.last_line();
                self.scope_close(mark);
                StatKind::Repeat(body, cond, until_line, until_scope)
            }
            Tok::Function => {
                self.advance();
                // funcname: Name {'.' Name} [':' Name]
                let first = self.name()?;
                let var = self.resolve(&first);
                let mut target = Expr::Var(var, first);
                let mut method = false;
                loop {
                    match self.tok() {
                        Tok::Dot => {
                            self.advance();
                            let key = self.name()?;
                            target = Expr::Index(Box::new(target), Box::new(Expr::Str(key)), line);
                        }
                        Tok::Colon => {
                            self.advance();
                            let key = self.name()?;
                            target = Expr::Index(Box::new(target), Box::new(Expr::Str(key)), line);
                            method = true;
                            break;
                        }
                        _ => break,
                    }
                }
                let f = self.body(method, line)?;
                StatKind::Function(target, f)
            }
            Tok::Local => {
                self.advance();
                if self.test(&Tok::Function) {
                    let name = self.name()?;
                    let slot = self.declare(name);
                    let f = self.body(false, line)?;
                    StatKind::LocalFunction(slot, f)
                } else {
                    let mut names = vec![self.name()?];
                    while self.test(&Tok::Comma) {
                        names.push(self.name()?);
                    }
                    let exprs = if self.test(&Tok::Assign) { self.expr_list()? } else { Vec::new() };
                    let slots = names.into_iter().map(|n| self.declare(n)).collect();
                    StatKind::Local(slots, exprs)
                }
            }
            Tok::Return => {
                self.advance();
                let exprs =
                    if self.block_follow() || *self.tok() == Tok::Semi { Vec::new() } else { self.expr_list()? };
                StatKind::Return(exprs)
            }
            Tok::Break => {
                self.advance();
                if self.loops.last() != Some(&self.funcs.len()) {
                    return Err(self.error_near("no loop to break"));
                }
                StatKind::Break
            }
            _ => self.expr_stat()?,
        };
        let quiet = match &kind {
            StatKind::Do(_) | StatKind::Repeat(..) | StatKind::LocalFunction(..) => true,
            // `local x` first in a function: its registers are nil already (`luaK_nil`).
            StatKind::Local(_, exprs) if exprs.is_empty() => !self.fs().coded,
            StatKind::Local(_, exprs) | StatKind::Return(exprs) => matches!(exprs.first(), Some(Expr::Func(_))),
            StatKind::Assign(targets, exprs) => {
                targets.iter().all(|t| matches!(t, Expr::Var(..))) && matches!(exprs.first(), Some(Expr::Func(_)))
            }
            // A global's or local's name, or a field of a local, takes no instruction to reach.
            StatKind::Function(Expr::Var(..), _) => true,
            StatKind::Function(Expr::Index(obj, _, _), _) => matches!(**obj, Expr::Var(Var::Local(_), _)),
            // `while true do`: a constant condition is no test.
            StatKind::While(cond, _) => matches!(cond, Expr::True | Expr::Num(_) | Expr::Str(_)),
            _ => false,
        };
        if !matches!(&kind, StatKind::Local(_, exprs) if exprs.is_empty()) {
            self.fs().coded = true;
        }
        Ok(Stat { line, scope, quiet, kind })
    }

    fn loop_block(&mut self) -> R<Block> {
        self.loops.push(self.funcs.len());
        let b = self.block();
        self.loops.pop();
        b
    }

    fn if_stat(&mut self, line: u32) -> R<StatKind> {
        let mut arms = Vec::new();
        let mut otherwise = None;
        self.advance();
        let cond = self.expr()?;
        self.check(&Tok::Then, "then")?;
        arms.push((cond, self.block()?, line));
        loop {
            match self.tok() {
                Tok::Elseif => {
                    self.advance();
                    let cond = self.expr()?;
                    let arm_line = self.last_line();
                    self.check(&Tok::Then, "then")?;
                    arms.push((cond, self.block()?, arm_line));
                }
                Tok::Else => {
                    self.advance();
                    otherwise = Some(self.block()?);
                    self.check_match(&Tok::End, &Tok::If, line)?;
                    break;
                }
                _ => {
                    self.check_match(&Tok::End, &Tok::If, line)?;
                    break;
                }
            }
        }
        Ok(StatKind::If(arms, otherwise))
    }

    fn for_stat(&mut self, line: u32) -> R<StatKind> {
        self.advance();
        let first = self.name()?;
        match self.tok() {
            Tok::Assign => {
                self.advance();
                let start = self.expr()?;
                self.check(&Tok::Comma, ",")?;
                let limit = self.expr()?;
                let step = if self.test(&Tok::Comma) { Some(self.expr()?) } else { None };
                self.check(&Tok::Do, "do")?;
                let mark = self.scope_mark();
                let hidden = self.declare_hidden(["(for index)", "(for limit)", "(for step)"]);
                let looping = self.fs().scope();
                let var = self.declare(first);
                let body = self.loop_block()?;
                self.scope_close(mark);
                self.check_match(&Tok::End, &Tok::For, line)?;
                Ok(StatKind::NumFor { var, start, limit, step, body, hidden, looping })
            }
            Tok::Comma | Tok::In => {
                let mut names = vec![first];
                while self.test(&Tok::Comma) {
                    names.push(self.name()?);
                }
                self.check(&Tok::In, "in")?;
                let exprs = self.expr_list()?;
                self.check(&Tok::Do, "do")?;
                let mark = self.scope_mark();
                let hidden = self.declare_hidden(["(for generator)", "(for state)", "(for control)"]);
                let looping = self.fs().scope();
                let vars = names.into_iter().map(|n| self.declare(n)).collect();
                let body = self.loop_block()?;
                self.scope_close(mark);
                self.check_match(&Tok::End, &Tok::For, line)?;
                Ok(StatKind::GenFor { vars, exprs, body, hidden, looping })
            }
            _ => Err(self.error_near("'=' or 'in' expected")),
        }
    }

    fn expr_stat(&mut self) -> R<StatKind> {
        let first = self.suffixed_expr()?;
        if matches!(self.tok(), Tok::Assign | Tok::Comma) {
            let mut targets = vec![first];
            while self.test(&Tok::Comma) {
                targets.push(self.suffixed_expr()?);
            }
            for t in &targets {
                if !matches!(t, Expr::Var(..) | Expr::Index(..)) {
                    return Err(self.error_near("syntax error"));
                }
            }
            self.check(&Tok::Assign, "=")?;
            let exprs = self.expr_list()?;
            Ok(StatKind::Assign(targets, exprs))
        } else if matches!(first, Expr::Call(..) | Expr::Method(..)) {
            Ok(StatKind::Call(first))
        } else if matches!(first, Expr::Var(..) | Expr::Index(..)) {
            // Lua 5.1 takes anything assignable as the start of an assignment.
            Err(self.error_near("'=' expected"))
        } else {
            Err(self.error_near("syntax error"))
        }
    }

    fn body(&mut self, method: bool, line: u32) -> R<Rc<Proto>> {
        self.open_func(false);
        let mut params = Vec::new();
        if method {
            params.push(self.declare(Rc::from(&b"self"[..])));
        }
        self.check(&Tok::LParen, "(")?;
        if *self.tok() != Tok::RParen {
            loop {
                match self.tok().clone() {
                    Tok::Name(n) => {
                        self.advance();
                        params.push(self.declare(n));
                    }
                    Tok::Dots => {
                        self.advance();
                        self.fs().vararg = true;
                        break;
                    }
                    _ => return Err(self.error_near("<name> or '...' expected")),
                }
                if !self.test(&Tok::Comma) {
                    break;
                }
            }
        }
        self.check(&Tok::RParen, ")")?;
        self.loops.push(usize::MAX);
        let body = self.block();
        self.loops.pop();
        let body = body?;
        self.check_match(&Tok::End, &Tok::Function, line)?;
        let end_line = self.last_line();
        let fs = self.funcs.pop().unwrap_or_else(|| self.spare.clone());
        Ok(Rc::new(Proto {
            params,
            vararg: fs.vararg,
            slots: fs.max_slots,
            upvals: fs.upvals.into_iter().map(|(_, from)| from).collect(),
            body,
            line,
            end_line,
            scopes: fs.scopes,
        }))
    }

    // Expressions.

    fn expr_list(&mut self) -> R<Vec<Expr>> {
        let mut list = vec![self.expr()?];
        while self.test(&Tok::Comma) {
            list.push(self.expr()?);
        }
        Ok(list)
    }

    fn expr(&mut self) -> R<Expr> {
        self.subexpr(0)
    }

    fn subexpr(&mut self, limit: u8) -> R<Expr> {
        self.enter(1)?;
        self.levels += 1;
        let r = self.subexpr_inner(limit);
        self.levels -= 1;
        r
    }

    fn subexpr_inner(&mut self, limit: u8) -> R<Expr> {
        let mut chain = 0;
        let line = self.line();
        let mut left = match self.tok() {
            Tok::Not => {
                self.advance();
                Expr::Not(Box::new(self.subexpr(8)?))
            }
            Tok::Minus => {
                self.advance();
                let e = self.subexpr(8)?;
                match e {
                    Expr::Num(n) => Expr::Num(-n),
                    e => Expr::Neg(Box::new(e), line),
                }
            }
            Tok::Hash => {
                self.advance();
                Expr::Len(Box::new(self.subexpr(8)?), line)
            }
            _ => self.simple_expr()?,
        };
        loop {
            let (op, lp, rp) = match self.tok() {
                Tok::Or => (None, 1, 1),
                Tok::And => (None, 2, 2),
                Tok::Lt => (Some(BinOp::Lt), 3, 3),
                Tok::Gt => (Some(BinOp::Gt), 3, 3),
                Tok::Le => (Some(BinOp::Le), 3, 3),
                Tok::Ge => (Some(BinOp::Ge), 3, 3),
                Tok::Ne => (Some(BinOp::Ne), 3, 3),
                Tok::Eq => (Some(BinOp::Eq), 3, 3),
                Tok::Concat => (Some(BinOp::Concat), 5, 4),
                Tok::Plus => (Some(BinOp::Add), 6, 6),
                Tok::Minus => (Some(BinOp::Sub), 6, 6),
                Tok::Star => (Some(BinOp::Mul), 7, 7),
                Tok::Slash => (Some(BinOp::Div), 7, 7),
                Tok::Percent => (Some(BinOp::Mod), 7, 7),
                Tok::Caret => (Some(BinOp::Pow), 10, 9),
                _ => break,
            };
            if lp <= limit {
                break;
            }
            chain += 1;
            self.enter(chain)?;
            let is_or = *self.tok() == Tok::Or;
            let line = self.line();
            self.advance();
            let right = self.subexpr(rp)?;
            left = match op {
                Some(op) => Expr::Bin(op, Box::new(left), Box::new(right), line),
                None if is_or => Expr::Or(Box::new(left), Box::new(right)),
                None => Expr::And(Box::new(left), Box::new(right)),
            };
        }
        Ok(left)
    }

    fn simple_expr(&mut self) -> R<Expr> {
        let e = match self.tok().clone() {
            Tok::Num(n) => Expr::Num(n),
            Tok::Str(s) => Expr::Str(s),
            Tok::Nil => Expr::Nil,
            Tok::True => Expr::True,
            Tok::False => Expr::False,
            Tok::Dots => {
                if !self.fs().vararg {
                    return Err(self.error_near("cannot use '...' outside a vararg function"));
                }
                Expr::Vararg
            }
            Tok::LBrace => return self.table(),
            Tok::Function => {
                let line = self.line();
                self.advance();
                return Ok(Expr::Func(self.body(false, line)?));
            }
            _ => return self.suffixed_expr(),
        };
        self.advance();
        Ok(e)
    }

    fn primary_expr(&mut self) -> R<Expr> {
        match self.tok().clone() {
            Tok::Name(n) => {
                self.advance();
                let var = self.resolve(&n);
                Ok(Expr::Var(var, n))
            }
            Tok::LParen => {
                let line = self.line();
                self.advance();
                let e = self.expr()?;
                self.check_match(&Tok::RParen, &Tok::LParen, line)?;
                Ok(Expr::Paren(Box::new(e)))
            }
            _ => Err(self.error_near("unexpected symbol")),
        }
    }

    fn suffixed_expr(&mut self) -> R<Expr> {
        let mut e = self.primary_expr()?;
        let mut chain = 0;
        loop {
            chain += 1;
            self.enter(chain)?;
            let line = self.line();
            match self.tok() {
                Tok::Dot => {
                    self.advance();
                    let key = self.name()?;
                    e = Expr::Index(Box::new(e), Box::new(Expr::Str(key)), line);
                }
                Tok::LBracket => {
                    self.advance();
                    let key = self.expr()?;
                    self.check(&Tok::RBracket, "]")?;
                    e = Expr::Index(Box::new(e), Box::new(key), line);
                }
                Tok::Colon => {
                    self.advance();
                    let name = self.name()?;
                    let args = self.call_args()?;
                    e = Expr::Method(Box::new(e), name, args, line);
                }
                Tok::LParen | Tok::Str(_) | Tok::LBrace => {
                    let args = self.call_args()?;
                    e = Expr::Call(Box::new(e), args, line);
                }
                _ => return Ok(e),
            }
        }
    }

    fn call_args(&mut self) -> R<Vec<Expr>> {
        let line = self.line();
        match self.tok().clone() {
            Tok::Str(s) => {
                self.advance();
                Ok(vec![Expr::Str(s)])
            }
            Tok::LBrace => Ok(vec![self.table()?]),
            Tok::LParen => {
                if self.pos > 0 && self.toks[self.pos - 1].line != line {
                    return Err(self.error_near("ambiguous syntax (function call x new statement)"));
                }
                self.advance();
                // Each argument is moved into place when the `,` or `)` after it is read: a
                // line event of its own when that is on another line than the call.
                let at = |e: Expr, moved: u32| -> Expr {
                    if moved == line || matches!(e, Expr::Call(..) | Expr::Method(..) | Expr::Vararg) {
                        e
                    } else {
                        Expr::At(Box::new(e), moved)
                    }
                };
                let mut args = Vec::new();
                if *self.tok() != Tok::RParen {
                    loop {
                        let e = self.expr()?;
                        if self.test(&Tok::Comma) {
                            args.push(at(e, self.last_line()));
                        } else {
                            self.check_match(&Tok::RParen, &Tok::LParen, line)?;
                            args.push(at(e, self.last_line()));
                            return Ok(args);
                        }
                    }
                }
                self.check_match(&Tok::RParen, &Tok::LParen, line)?;
                Ok(args)
            }
            _ => Err(self.error_near("function arguments expected")),
        }
    }

    fn table(&mut self) -> R<Expr> {
        let line = self.line();
        self.check(&Tok::LBrace, "{")?;
        let mut items = Vec::new();
        loop {
            if *self.tok() == Tok::RBrace {
                break;
            }
            match self.tok().clone() {
                Tok::Name(n) if self.toks.get(self.pos + 1).is_some_and(|t| t.tok == Tok::Assign) => {
                    self.advance();
                    self.advance();
                    let v = self.expr()?;
                    items.push((Some(Expr::Str(n)), v));
                }
                Tok::LBracket => {
                    self.advance();
                    let k = self.expr()?;
                    self.check(&Tok::RBracket, "]")?;
                    self.check(&Tok::Assign, "=")?;
                    let v = self.expr()?;
                    items.push((Some(k), v));
                }
                _ => {
                    let v = self.expr()?;
                    items.push((None, v));
                }
            }
            if !self.test(&Tok::Comma) && !self.test(&Tok::Semi) {
                break;
            }
        }
        self.check_match(&Tok::RBrace, &Tok::LBrace, line)?;
        Ok(Expr::Table(items))
    }
}
