//! A tree-walking evaluator for the parsed chunk. Every local lives in its own cell, so closures
//! capture variables (a fresh one per loop iteration), as Lua's upvalues do.

use crate::ast::*;
use crate::value::{Cell, Closure, Func, SetError, TableRef, Value};
use crate::Host;
use std::cell::RefCell;
use std::rc::Rc;

/// A Lua error on its way up: the error value (`error(v)`), the line of the Lua code that raised
/// it (what Redis's error handler reports), and whether `pcall` may stop it.
#[derive(Debug, Clone)]
pub struct LuaError {
    pub value: Value,
    pub line: u32,
    /// The script ran out of its budget: nothing inside the script may catch this.
    pub fatal: bool,
}

type R<T> = Result<T, LuaError>;

enum Flow {
    Normal,
    Break,
    Return(Vec<Value>),
}

struct Frame {
    slots: Vec<Cell>,
    varargs: Vec<Value>,
    upvals: Rc<Closure>,
    /// For the debugger: the line of the last line event in this call (0: none yet), whether
    /// control has just jumped back (a loop), and the scope of the statement running.
    last_line: u32,
    back: bool,
    scope: u32,
}

/// A scope index that stands for no locals at all (a function's final return).
const NO_SCOPE: u32 = u32::MAX;

/// One Lua call as the debugger sees it ([`crate::ldb`]): the name it was called by, the line
/// running in it, and its locals in scope.
pub(crate) struct DebugLevel {
    pub name: Option<Name>,
    pub line: u32,
    pub locals: Vec<(Name, Cell)>,
    /// The call ended in a tail call (`return f(x)`): Lua has reused its frame, so the debugger
    /// no longer sees it.
    pub replaced: bool,
}

/// How deep Lua calls may nest. Each level costs about 2 KB of native stack in a release build
/// (13 KB in a debug one), and a page's wasm stack is 1 MB, so the limit is well below Lua's.
const MAX_DEPTH: usize = 100;

/// What one table slot is charged, roughly what it takes in memory.
const TABLE_SLOT_BYTES: usize = 48;

pub struct Interp<'h> {
    pub globals: TableRef,
    pub string_lib: TableRef,
    pub chunk: Rc<str>,
    /// The line running now.
    pub line: u32,
    steps: u64,
    step_limit: u64,
    /// When the host is asked next whether the script goes on ([`crate::Host::interrupt`]).
    next_interrupt: u64,
    depth: usize,
    pub host: &'h mut dyn Host,
    /// Lines of the calls in progress, for `error(msg, 2)`.
    call_lines: Vec<u32>,
    /// The protocol `redis.setresp` chose for replies seen by the script.
    pub resp: u8,
    /// Whether the library function running now was called as a method (`s:rep(n)`).
    pub method_call: bool,
    /// Whether errors raised now get the running line as their position (false inside a library
    /// function that another library function called).
    from_lua: bool,
    /// Bytes charged so far (see `charge`).
    allocated: usize,
    /// Whether the library function running now was called from Lua code (`error` adds a
    /// position only then).
    pub lua_caller: bool,
    /// Functions a library registered while it loaded.
    pub registered: Vec<crate::library::Registration>,
    /// A library's code is running to register its functions (`FUNCTION LOAD`).
    pub loading: bool,
    /// The Lua debugger, when a `SCRIPT DEBUG` session runs this script.
    pub(crate) ldb: Option<Box<crate::ldb::Ldb>>,
    /// The Lua calls in progress, outermost first (kept only while debugging).
    pub(crate) levels: Vec<DebugLevel>,
    /// The name the function about to be called was reached by (`f`, `t.f`, `t:f`).
    call_name: Option<Name>,
    /// The call being evaluated is a `return f(x)` (a tail call), and the one about to be made.
    tail_next: bool,
    call_tail: bool,
}

fn cell(v: Value) -> Cell {
    Rc::new(RefCell::new(v))
}

/// How Lua names the operand of a failed operation: `local 'x'`, `field 'y'`, ...
fn describe(e: &Expr) -> Option<String> {
    match e {
        Expr::Var(Var::Local(_), n) => Some(format!("local '{}'", String::from_utf8_lossy(n))),
        Expr::Var(Var::Upval(_), n) => Some(format!("upvalue '{}'", String::from_utf8_lossy(n))),
        Expr::Var(Var::Global(_), n) => Some(format!("global '{}'", String::from_utf8_lossy(n))),
        Expr::Index(_, k, _) => match &**k {
            Expr::Str(s) => Some(format!("field '{}'", String::from_utf8_lossy(s))),
            _ => None,
        },
        _ => None,
    }
}

impl<'h> Interp<'h> {
    pub fn new(host: &'h mut dyn Host, chunk: &str, step_limit: u64) -> Interp<'h> {
        debug_assert!(step_limit > 0);
        let mut interp = Interp {
            globals: Rc::new(RefCell::new(Default::default())),
            string_lib: Rc::new(RefCell::new(Default::default())),
            chunk: Rc::from(chunk),
            line: 0,
            steps: 0,
            step_limit,
            next_interrupt: crate::INTERRUPT_EVERY,
            depth: 0,
            host,
            call_lines: Vec::new(),
            resp: 2,
            lua_caller: true,
            from_lua: true,
            method_call: false,
            allocated: 0,
            registered: Vec::new(),
            loading: false,
            ldb: None,
            levels: Vec::new(),
            call_name: None,
            tail_next: false,
            call_tail: false,
        };
        crate::stdlib::open(&mut interp);
        interp
    }

    /// A runtime error at the running line: `chunk:line: message`.
    pub fn error(&self, msg: impl AsRef<str>) -> LuaError {
        // luaL_error names the caller's line; a library function called by another (pcall) has
        // no line to name.
        let text = if self.from_lua {
            format!("{}:{}: {}", self.chunk, self.line, msg.as_ref())
        } else {
            msg.as_ref().to_string()
        };
        LuaError { value: Value::str(text), line: self.line, fatal: false }
    }

    /// An error raised with a value of the script's own (`error(v)`), positioned at `level`.
    pub fn raise(&self, value: Value, level: usize) -> LuaError {
        let level = if !self.lua_caller && level == 1 { 0 } else { level };
        let value = match (&value, level) {
            (Value::Str(_) | Value::Num(_), 1) => {
                let mut s = format!("{}:{}: ", self.chunk, self.line).into_bytes();
                s.extend_from_slice(&value.to_bytes().unwrap_or_default());
                Value::str(s)
            }
            (Value::Str(_) | Value::Num(_), 2) if !self.call_lines.is_empty() => {
                let line = self.call_lines[self.call_lines.len() - 1];
                let mut s = format!("{}:{}: ", self.chunk, line).into_bytes();
                s.extend_from_slice(&value.to_bytes().unwrap_or_default());
                Value::str(s)
            }
            _ => value,
        };
        LuaError { value, line: self.line, fatal: false }
    }

    fn type_error(&self, e: Option<&Expr>, v: &Value, op: &str) -> LuaError {
        match e.and_then(describe) {
            Some(d) => self.error(format!("attempt to {op} {d} (a {} value)", v.type_name())),
            None => self.error(format!("attempt to {op} a {} value", v.type_name())),
        }
    }

    /// Counts one unit of work against the script's budget.
    pub fn step(&mut self) -> R<()> {
        self.steps += 1;
        let mut killed = false;
        if self.steps >= self.next_interrupt {
            self.next_interrupt = self.steps + crate::INTERRUPT_EVERY;
            killed = !self.loading && self.host.interrupt();
        }
        if self.ldb.as_ref().is_some_and(|l| self.steps - l.since >= crate::STEP_LIMIT) {
            crate::ldb::timeout_hook(self)?;
            if let Some(ldb) = self.ldb.as_mut() {
                ldb.since = self.steps;
            }
        }
        if killed || self.steps > self.step_limit {
            // A library's loading has its own limit in Redis (500 ms) and its own message.
            let text: &[u8] =
                if self.loading { b"FUNCTION LOAD timeout" } else { b"Script killed by user with SCRIPT KILL..." };
            let value = crate::stdlib::error_table(text);
            return Err(LuaError { value, line: self.line, fatal: true });
        }
        Ok(())
    }

    /// Runs the main function of a chunk.
    pub fn run_main(&mut self, proto: Rc<Proto>, args: Vec<Value>) -> R<Vec<Value>> {
        let closure = Rc::new(Closure { proto, upvals: Vec::new() });
        self.call_closure(&closure, args)
    }

    pub fn make_closure(&self, proto: Rc<Proto>) -> Value {
        Value::Func(Func::Lua(Rc::new(Closure { proto, upvals: Vec::new() })))
    }

    /// Calls any value as a function, from a library function (a C caller, for `error`'s position).
    pub fn call(&mut self, f: &Value, args: Vec<Value>) -> R<Vec<Value>> {
        self.lua_caller = false;
        self.method_call = false;
        let was = self.from_lua;
        if matches!(f, Value::Func(Func::Native(..))) {
            self.from_lua = false;
        }
        let r = self.call_value(f, args);
        self.from_lua = was;
        r
    }

    fn call_value(&mut self, f: &Value, args: Vec<Value>) -> R<Vec<Value>> {
        match f {
            Value::Func(Func::Native(_, nf)) => {
                self.call_name = None;
                self.call_tail = false;
                self.step()?;
                nf(self, args)
            }
            Value::Func(Func::Lua(c)) => {
                let c = c.clone();
                self.call_closure(&c, args)
            }
            other => Err(self.error(format!("attempt to call a {} value", other.type_name()))),
        }
    }

    fn call_closure(&mut self, c: &Rc<Closure>, mut args: Vec<Value>) -> R<Vec<Value>> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error("stack overflow"));
        }
        self.step()?;
        let p = &c.proto;
        let mut slots: Vec<Cell> = (0..p.slots).map(|_| cell(Value::Nil)).collect();
        let varargs = if p.vararg && args.len() > p.params.len() { args.split_off(p.params.len()) } else { Vec::new() };
        let mut args = args.into_iter();
        for &slot in &p.params {
            slots[slot as usize] = cell(args.next().unwrap_or_default());
        }
        let mut frame = Frame { slots, varargs, upvals: c.clone(), last_line: 0, back: false, scope: NO_SCOPE };
        let was_from_lua = std::mem::replace(&mut self.from_lua, true);
        self.depth += 1;
        self.call_lines.push(self.line);
        let debugging = self.ldb.is_some();
        if debugging {
            let mut name = self.call_name.take();
            if std::mem::take(&mut self.call_tail) {
                // Lua 5.1 reuses the caller's frame, and a tail-called function has no name.
                if let Some(caller) = self.levels.last_mut() {
                    caller.replaced = true;
                }
                name = None;
            }
            self.levels.push(DebugLevel { name, line: 0, locals: Vec::new(), replaced: false });
        }
        let mut flow = self.exec_block(&mut frame, &p.body);
        if debugging {
            // Falling off the end runs the function's final return, on its last line.
            if matches!(flow, Ok(Flow::Normal)) {
                frame.scope = NO_SCOPE;
                if let Err(e) = self.trace(&mut frame, p.end_line) {
                    flow = Err(e);
                }
            }
            self.levels.pop();
        }
        self.line = self.call_lines.pop().unwrap_or(0);
        self.depth -= 1;
        self.from_lua = was_from_lua;
        match flow? {
            Flow::Return(values) => Ok(values),
            _ => Ok(Vec::new()),
        }
    }

    fn exec_block(&mut self, fr: &mut Frame, block: &[Stat]) -> R<Flow> {
        for stat in block {
            match self.exec(fr, stat)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    /// A line event (Lua 5.1's line hook) while debugging: it fires when the function starts,
    /// when control jumps back, and when the line changes.
    fn trace(&mut self, fr: &mut Frame, line: u32) -> R<()> {
        if self.ldb.is_none() {
            return Ok(());
        }
        let fire = fr.last_line == 0 || fr.back || line != fr.last_line;
        fr.last_line = line;
        fr.back = false;
        if let Some(level) = self.levels.last_mut() {
            level.line = line;
            level.locals.clear();
            if let Some(scope) = fr.upvals.proto.scopes.get(fr.scope as usize) {
                for (name, slot) in scope.iter() {
                    if let Some(cell) = fr.slots.get(*slot as usize) {
                        level.locals.push((name.clone(), cell.clone()));
                    }
                }
            }
        }
        if fire {
            crate::ldb::line_hook(self, line)?;
        }
        Ok(())
    }

    fn exec(&mut self, fr: &mut Frame, stat: &Stat) -> R<Flow> {
        self.line = stat.line;
        self.step()?;
        if self.ldb.is_some() {
            fr.scope = stat.scope;
            if !stat.quiet {
                self.trace(fr, stat.line)?;
            }
        }
        match &stat.kind {
            StatKind::Call(e) => {
                self.eval_multi(fr, e)?;
            }
            StatKind::Local(slots, exprs) => {
                let values = self.eval_list(fr, exprs, slots.len())?;
                for (slot, v) in slots.iter().zip(values) {
                    fr.slots[*slot as usize] = cell(v);
                }
            }
            StatKind::LocalFunction(slot, proto) => {
                // The name is in scope inside the body: make the cell first.
                fr.slots[*slot as usize] = cell(Value::Nil);
                self.trace(fr, proto.end_line)?;
                let f = self.closure(fr, proto);
                *fr.slots[*slot as usize].borrow_mut() = f;
            }
            StatKind::Assign(targets, exprs) => self.assign(fr, targets, exprs)?,
            StatKind::Function(target, proto) => {
                // Lua makes the closure on the `end` line, then stores it on the first line (a
                // local's closure is made on the first line: its store is no instruction).
                if !matches!(target, Expr::Var(Var::Local(_), _)) {
                    self.trace(fr, proto.end_line)?;
                }
                let f = self.closure(fr, proto);
                self.trace(fr, stat.line)?;
                self.assign_value(fr, target, f)?;
            }
            StatKind::Do(body) => return self.exec_block(fr, body),
            StatKind::While(cond, body) => {
                let mut first = true;
                loop {
                    self.line = stat.line;
                    self.step()?;
                    if !first {
                        fr.back = true;
                        fr.scope = stat.scope;
                        // A constant condition has no instruction: the body's first line has
                        // the event of the jump back.
                        if !stat.quiet {
                            self.trace(fr, stat.line)?;
                        }
                    }
                    first = false;
                    if !self.eval(fr, cond)?.truthy() {
                        break;
                    }
                    match self.exec_block(fr, body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        ret => return Ok(ret),
                    }
                }
            }
            StatKind::Repeat(body, cond, until_line, until_scope) => {
                let mut first = true;
                loop {
                    self.step()?;
                    if !first {
                        fr.back = true;
                    }
                    first = false;
                    match self.exec_block(fr, body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        ret => return Ok(ret),
                    }
                    fr.scope = *until_scope;
                    self.trace(fr, *until_line)?;
                    if self.eval(fr, cond)?.truthy() {
                        break;
                    }
                }
            }
            StatKind::If(arms, otherwise) => {
                for (i, (cond, body, line)) in arms.iter().enumerate() {
                    if i > 0 {
                        fr.scope = stat.scope;
                        self.trace(fr, *line)?;
                    }
                    if self.eval(fr, cond)?.truthy() {
                        return self.exec_block(fr, body);
                    }
                }
                if let Some(body) = otherwise {
                    return self.exec_block(fr, body);
                }
            }
            StatKind::NumFor { var, start, limit, step, body, hidden, looping } => {
                let start = self
                    .eval(fr, start)?
                    .to_number()
                    .ok_or_else(|| self.error("'for' initial value must be a number"))?;
                let limit =
                    self.eval(fr, limit)?.to_number().ok_or_else(|| self.error("'for' limit must be a number"))?;
                let step = match step {
                    Some(e) => {
                        self.eval(fr, e)?.to_number().ok_or_else(|| self.error("'for' step must be a number"))?
                    }
                    None => 1.0,
                };
                let mut i = start;
                let debugging = self.ldb.is_some();
                // What Lua's `(for index)` holds before the pass's increment.
                let mut index = start - step;
                loop {
                    if debugging {
                        // Lua's FORLOOP, on the `for` line, tests the end before each pass.
                        let h = *hidden as usize;
                        fr.slots[h] = cell(Value::Num(index));
                        fr.slots[h + 1] = cell(Value::Num(limit));
                        fr.slots[h + 2] = cell(Value::Num(step));
                        fr.scope = *looping;
                        self.trace(fr, stat.line)?;
                    }
                    if !((step > 0.0 && i <= limit) || (step <= 0.0 && i >= limit)) {
                        break;
                    }
                    self.step()?;
                    index = i;
                    if debugging {
                        fr.slots[*hidden as usize] = cell(Value::Num(i));
                        fr.back = true;
                    }
                    fr.slots[*var as usize] = cell(Value::Num(i));
                    match self.exec_block(fr, body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        ret => return Ok(ret),
                    }
                    i += step;
                }
            }
            StatKind::GenFor { vars, exprs, body, hidden, looping } => {
                let init = self.eval_list(fr, exprs, 3)?;
                let (f, s, mut control) = (init[0].clone(), init[1].clone(), init[2].clone());
                let debugging = self.ldb.is_some();
                loop {
                    self.line = stat.line;
                    if debugging {
                        let h = *hidden as usize;
                        fr.slots[h] = cell(f.clone());
                        fr.slots[h + 1] = cell(s.clone());
                        fr.slots[h + 2] = cell(control.clone());
                        fr.scope = *looping;
                        self.trace(fr, stat.line)?;
                    }
                    let results = match &f {
                        Value::Func(_) => self.call(&f, vec![s.clone(), control.clone()])?,
                        other => return Err(self.error(format!("attempt to call a {} value", other.type_name()))),
                    };
                    let first = results.first().cloned().unwrap_or_default();
                    if first.is_nil() {
                        break;
                    }
                    control = first;
                    if debugging {
                        fr.slots[*hidden as usize + 2] = cell(control.clone());
                        fr.back = true;
                    }
                    let mut results = results.into_iter();
                    for v in vars {
                        fr.slots[*v as usize] = cell(results.next().unwrap_or_default());
                    }
                    match self.exec_block(fr, body)? {
                        Flow::Normal => {}
                        Flow::Break => break,
                        ret => return Ok(ret),
                    }
                }
            }
            StatKind::Return(exprs) => {
                // A tail call `return f(x)` is an ordinary call here (the debugger is told).
                if self.ldb.is_some() && exprs.len() == 1 {
                    self.tail_next = matches!(exprs[0], Expr::Call(..) | Expr::Method(..));
                }
                let values = self.eval_all(fr, exprs)?;
                return Ok(Flow::Return(values));
            }
            StatKind::Break => return Ok(Flow::Break),
        }
        Ok(Flow::Normal)
    }

    /// The name Lua's debug interface gives a function called through `e`.
    fn called_name(e: &Expr) -> Option<Name> {
        match e {
            Expr::Var(_, n) => Some(n.clone()),
            Expr::Index(_, k, _) => match &**k {
                Expr::Str(s) => Some(s.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    /// Stores one value in an assignable expression (`function t.f() end`).
    fn assign_value(&mut self, fr: &mut Frame, target: &Expr, v: Value) -> R<()> {
        match target {
            Expr::Var(Var::Local(slot), _) => *fr.slots[*slot as usize].borrow_mut() = v,
            Expr::Var(Var::Upval(i), _) => *fr.upvals.upvals[*i as usize].borrow_mut() = v,
            Expr::Var(Var::Global(name), _) => {
                let g = self.globals.clone();
                self.set_index(&Value::Table(g), Value::Str(name.clone()), v, None)?;
            }
            Expr::Index(obj, key, line) => {
                let o = self.eval(fr, obj)?;
                let k = self.eval(fr, key)?;
                self.line = *line;
                self.set_index(&o, k, v, Some(obj))?;
            }
            _ => {}
        }
        Ok(())
    }

    fn assign(&mut self, fr: &mut Frame, targets: &[Expr], exprs: &[Expr]) -> R<()> {
        // Evaluate the tables and keys of the targets, then the values, then store.
        let mut places = Vec::with_capacity(targets.len());
        for t in targets {
            places.push(match t {
                Expr::Index(obj, key, line) => {
                    let o = self.eval(fr, obj)?;
                    let k = self.eval(fr, key)?;
                    Some((o, k, *line))
                }
                _ => None,
            });
        }
        let values = self.eval_list(fr, exprs, targets.len())?;
        for ((t, place), v) in targets.iter().zip(places).zip(values) {
            match (t, place) {
                (Expr::Var(Var::Local(slot), _), _) => *fr.slots[*slot as usize].borrow_mut() = v,
                (Expr::Var(Var::Upval(i), _), _) => *fr.upvals.upvals[*i as usize].borrow_mut() = v,
                (Expr::Var(Var::Global(name), _), _) => {
                    let g = self.globals.clone();
                    self.set_index(&Value::Table(g), Value::Str(name.clone()), v, None)?;
                }
                (Expr::Index(obj, _, _), Some((o, k, line))) => {
                    self.line = line;
                    self.set_index(&o, k, v, Some(obj))?;
                }
                _ => unreachable!("the parser only makes variables and fields assignable"),
            }
        }
        Ok(())
    }

    pub fn set_index(&mut self, obj: &Value, key: Value, v: Value, e: Option<&Expr>) -> R<()> {
        match obj {
            Value::Table(t) => {
                let mut t = t.borrow_mut();
                if t.readonly {
                    return Err(self.error("Attempt to modify a readonly table"));
                }
                let before = t.slots();
                t.set(key, v).map_err(|err| match err {
                    SetError::NilKey => self.error("table index is nil"),
                    SetError::NanKey => self.error("table index is NaN"),
                })?;
                let grown = t.slots().saturating_sub(before);
                drop(t);
                self.charge(grown * TABLE_SLOT_BYTES)
            }
            other => Err(self.type_error(e, other, "index")),
        }
    }

    pub fn index(&mut self, obj: &Value, key: &Value, e: Option<&Expr>) -> R<Value> {
        let mut obj = obj.clone();
        // `__index` chains are followed a bounded number of times, as Lua's MAXTAGLOOP.
        for _ in 0..100 {
            let handler = match &obj {
                Value::Table(t) => {
                    let t = t.borrow();
                    let v = t.get(key);
                    if !v.is_nil() {
                        return Ok(v);
                    }
                    if t.strict {
                        let name = key.to_bytes().map(|s| String::from_utf8_lossy(&s).into_owned()).unwrap_or_default();
                        return Err(
                            self.error(format!("Script attempted to access nonexistent global variable '{name}'"))
                        );
                    }
                    match &t.meta {
                        Some(m) => m.borrow().get_str("__index"),
                        None => return Ok(Value::Nil),
                    }
                }
                Value::Str(_) => return Ok(self.string_lib.borrow().get(key)),
                other => return Err(self.type_error(e, other, "index")),
            };
            match handler {
                Value::Nil => return Ok(Value::Nil),
                Value::Func(_) => {
                    let r = self.call(&handler, vec![obj.clone(), key.clone()])?;
                    return Ok(r.into_iter().next().unwrap_or_default());
                }
                next => obj = next,
            }
        }
        Err(self.error("loop in gettable"))
    }

    fn closure(&mut self, fr: &Frame, proto: &Rc<Proto>) -> Value {
        let upvals = proto
            .upvals
            .iter()
            .map(|from| match from {
                UpvalFrom::ParentLocal(slot) => fr.slots[*slot as usize].clone(),
                UpvalFrom::ParentUpval(i) => fr.upvals.upvals[*i as usize].clone(),
            })
            .collect();
        Value::Func(Func::Lua(Rc::new(Closure { proto: proto.clone(), upvals })))
    }

    /// Evaluates a list to exactly `want` values (the last expression expands or is cut).
    fn eval_list(&mut self, fr: &mut Frame, exprs: &[Expr], want: usize) -> R<Vec<Value>> {
        let mut values = self.eval_all(fr, exprs)?;
        values.resize(want, Value::Nil);
        Ok(values)
    }

    /// Evaluates a list with its last expression expanded to all its values.
    fn eval_all(&mut self, fr: &mut Frame, exprs: &[Expr]) -> R<Vec<Value>> {
        let mut values = Vec::with_capacity(exprs.len());
        for (i, e) in exprs.iter().enumerate() {
            if i + 1 == exprs.len() && e.is_multi() {
                values.extend(self.eval_multi(fr, e)?);
            } else {
                values.push(self.eval(fr, e)?);
            }
        }
        Ok(values)
    }

    fn eval_multi(&mut self, fr: &mut Frame, e: &Expr) -> R<Vec<Value>> {
        match e {
            Expr::Vararg => Ok(fr.varargs.clone()),
            Expr::Call(f, args, line) => {
                let tail = std::mem::take(&mut self.tail_next);
                let fv = self.eval(fr, f)?;
                let args = self.eval_all(fr, args)?;
                self.line = *line;
                if !matches!(fv, Value::Func(_)) {
                    return Err(self.type_error(Some(f), &fv, "call"));
                }
                self.lua_caller = true;
                self.method_call = false;
                if self.ldb.is_some() {
                    // The call instruction is on the line of its `(`.
                    self.trace(fr, *line)?;
                    self.call_name = Self::called_name(f);
                    self.call_tail = tail;
                }
                self.call_value(&fv, args)
            }
            Expr::Method(obj, name, args, line) => {
                let tail = std::mem::take(&mut self.tail_next);
                let o = self.eval(fr, obj)?;
                self.line = *line;
                let fv = self.index(&o, &Value::Str(name.clone()), Some(obj))?;
                let mut all = vec![o];
                all.extend(self.eval_all(fr, args)?);
                self.line = *line;
                if !matches!(fv, Value::Func(_)) {
                    let d = format!("method '{}'", String::from_utf8_lossy(name));
                    return Err(self.error(format!("attempt to call {d} (a {} value)", fv.type_name())));
                }
                self.lua_caller = true;
                self.method_call = true;
                if self.ldb.is_some() {
                    self.trace(fr, *line)?;
                    self.call_name = Some(name.clone());
                    self.call_tail = tail;
                }
                let r = self.call_value(&fv, all);
                self.method_call = false;
                r
            }
            other => Ok(vec![self.eval(fr, other)?]),
        }
    }

    fn eval(&mut self, fr: &mut Frame, e: &Expr) -> R<Value> {
        Ok(match e {
            Expr::Nil => Value::Nil,
            Expr::True => Value::Bool(true),
            Expr::False => Value::Bool(false),
            Expr::Num(n) => Value::Num(*n),
            Expr::Str(s) => Value::Str(s.clone()),
            Expr::Vararg => fr.varargs.first().cloned().unwrap_or_default(),
            Expr::Func(p) => {
                self.trace(fr, p.end_line)?;
                self.closure(fr, p)
            }
            Expr::Paren(inner) => self.eval(fr, inner)?,
            Expr::At(inner, line) => {
                let v = self.eval(fr, inner)?;
                self.trace(fr, *line)?;
                v
            }
            Expr::Var(Var::Local(slot), _) => fr.slots[*slot as usize].borrow().clone(),
            Expr::Var(Var::Upval(i), _) => fr.upvals.upvals[*i as usize].borrow().clone(),
            Expr::Var(Var::Global(name), _) => {
                let g = Value::Table(self.globals.clone());
                self.index(&g, &Value::Str(name.clone()), None)?
            }
            Expr::Index(obj, key, line) => {
                let o = self.eval(fr, obj)?;
                let k = self.eval(fr, key)?;
                self.line = *line;
                self.index(&o, &k, Some(obj))?
            }
            Expr::Call(..) | Expr::Method(..) => self.eval_multi(fr, e)?.into_iter().next().unwrap_or_default(),
            Expr::Table(items) => self.table(fr, items)?,
            Expr::And(a, b) => {
                let l = self.eval(fr, a)?;
                if l.truthy() {
                    self.eval(fr, b)?
                } else {
                    l
                }
            }
            Expr::Or(a, b) => {
                let l = self.eval(fr, a)?;
                if l.truthy() {
                    l
                } else {
                    self.eval(fr, b)?
                }
            }
            Expr::Not(a) => Value::Bool(!self.eval(fr, a)?.truthy()),
            Expr::Neg(a, line) => {
                let v = self.eval(fr, a)?;
                self.line = *line;
                match v.to_number() {
                    Some(n) => Value::Num(-n),
                    None => return Err(self.type_error(Some(a), &v, "perform arithmetic on")),
                }
            }
            Expr::Len(a, line) => {
                let v = self.eval(fr, a)?;
                self.line = *line;
                match &v {
                    Value::Str(s) => Value::Num(s.len() as f64),
                    Value::Table(t) => Value::Num(t.borrow().len() as f64),
                    _ => return Err(self.type_error(Some(a), &v, "get length of")),
                }
            }
            Expr::Bin(op, a, b, line) => {
                let l = self.eval(fr, a)?;
                let r = self.eval(fr, b)?;
                self.line = *line;
                self.binary(*op, l, r, a, b)?
            }
        })
    }

    fn table(&mut self, fr: &mut Frame, items: &[(Option<Expr>, Expr)]) -> R<Value> {
        let t = Value::new_table();
        let Value::Table(tr) = &t else { unreachable!() };
        let mut n = 0usize;
        for (i, (key, value)) in items.iter().enumerate() {
            match key {
                Some(k) => {
                    let k = self.eval(fr, k)?;
                    let v = self.eval(fr, value)?;
                    self.set_index(&t, k, v, None)?;
                }
                None if i + 1 == items.len() && value.is_multi() => {
                    for v in self.eval_multi(fr, value)? {
                        n += 1;
                        let _ = tr.borrow_mut().set(Value::Num(n as f64), v);
                    }
                }
                None => {
                    let v = self.eval(fr, value)?;
                    n += 1;
                    let _ = tr.borrow_mut().set(Value::Num(n as f64), v);
                }
            }
        }
        self.charge((items.len() + 1) * TABLE_SLOT_BYTES)?;
        Ok(t)
    }

    fn binary(&mut self, op: BinOp, l: Value, r: Value, a: &Expr, b: &Expr) -> R<Value> {
        let arith = |f: fn(f64, f64) -> f64, this: &Self| -> R<Value> {
            match (l.to_number(), r.to_number()) {
                (Some(x), Some(y)) => Ok(Value::Num(f(x, y))),
                (None, _) => Err(this.type_error(Some(a), &l, "perform arithmetic on")),
                _ => Err(this.type_error(Some(b), &r, "perform arithmetic on")),
            }
        };
        match op {
            BinOp::Add => arith(|x, y| x + y, self),
            BinOp::Sub => arith(|x, y| x - y, self),
            BinOp::Mul => arith(|x, y| x * y, self),
            BinOp::Div => arith(|x, y| x / y, self),
            BinOp::Mod => arith(|x, y| x - (x / y).floor() * y, self),
            BinOp::Pow => arith(f64::powf, self),
            BinOp::Concat => match (l.to_bytes(), r.to_bytes()) {
                (Some(x), Some(y)) => {
                    let mut s = Vec::with_capacity(x.len() + y.len());
                    s.extend_from_slice(&x);
                    s.extend_from_slice(&y);
                    self.check_size(s.len())?;
                    Ok(Value::str(s))
                }
                (Some(_), None) => Err(self.type_error(Some(b), &r, "concatenate")),
                _ => Err(self.type_error(Some(a), &l, "concatenate")),
            },
            BinOp::Eq => Ok(Value::Bool(l.raw_eq(&r))),
            BinOp::Ne => Ok(Value::Bool(!l.raw_eq(&r))),
            BinOp::Lt => self.less(&l, &r, false).map(Value::Bool),
            BinOp::Le => self.less(&l, &r, true).map(Value::Bool),
            BinOp::Gt => self.less(&r, &l, false).map(Value::Bool),
            BinOp::Ge => self.less(&r, &l, true).map(Value::Bool),
        }
    }

    pub fn less(&self, l: &Value, r: &Value, or_equal: bool) -> R<bool> {
        match (l, r) {
            (Value::Num(x), Value::Num(y)) => Ok(if or_equal { x <= y } else { x < y }),
            (Value::Str(x), Value::Str(y)) => Ok(if or_equal { x <= y } else { x < y }),
            _ if l.type_name() == r.type_name() => {
                Err(self.error(format!("attempt to compare two {} values", l.type_name())))
            }
            _ => Err(self.error(format!("attempt to compare {} with {}", l.type_name(), r.type_name()))),
        }
    }

    /// Strings the script builds are bounded, so a runaway `string.rep` or concatenation loop
    /// fails like an allocation would instead of taking the page's memory.
    pub fn check_size(&mut self, len: usize) -> R<()> {
        self.check_len(len)?;
        // Building a long string is work too: it counts against the step budget.
        self.charge_steps((len / 64) as u64)?;
        self.charge(len)
    }

    /// Counts `n` units of work a library function does on large data against the budget.
    pub fn charge_steps(&mut self, n: u64) -> R<()> {
        self.steps = self.steps.saturating_add(n);
        self.step()
    }

    /// Only the length limit, for a string still being built (charged once when done).
    pub fn check_len(&self, len: usize) -> R<()> {
        if len > crate::MAX_STRING {
            return Err(LuaError { value: Value::str("not enough memory"), line: self.line, fatal: false });
        }
        Ok(())
    }

    /// Counts memory a script makes (strings it builds, table slots it adds) against one budget
    /// for the whole run: generous for real scripts, and a bound on what a runaway loop can take.
    pub fn charge(&mut self, bytes: usize) -> R<()> {
        self.allocated = self.allocated.saturating_add(bytes);
        if self.allocated > crate::MAX_ALLOCATED {
            return Err(LuaError { value: Value::str("not enough memory"), line: self.line, fatal: true });
        }
        Ok(())
    }

    /// rand48's seeding, as Redis's `redisSrand48`.
    pub fn srand48(&mut self, seed: i32) {
        *self.host.rand48_state() = ((seed as u32 as u64) << 16) | 0x330E;
    }

    /// rand48's step, as Redis's `redisLrand48`: the high 31 bits of a 48-bit LCG.
    pub fn rand48(&mut self) -> u64 {
        let state = self.host.rand48_state();
        *state = (state.wrapping_mul(0x5DEECE66D).wrapping_add(0xB)) & ((1u64 << 48) - 1);
        *state >> 17
    }

    pub fn steps(&self) -> u64 {
        self.steps
    }
}
