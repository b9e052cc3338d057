//! `LOLWUT [VERSION v] [...]`: Redis's computer art. Version 5 draws Georg Nees's *Schotter* in
//! braille, version 6 a skyline of 8-bit skyscrapers in terminal grays; any other version answers
//! `Redis ver. <version>`. The random choices come from the server's seeded generator where
//! Redis uses `rand()`, so a replay draws the same picture.

use crate::args::{parse_i64, Args};
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;

pub static LOLWUT: CommandSpec = CommandSpec::new("lolwut", -1, "server", "5.0.0")
    .flags(&[Flag::ReadOnly, Flag::Fast])
    .doc("[VERSION version]", "Displays computer art and the Redis version")
    .run(lolwut);

/// C's `rand()`: 0 to `RAND_MAX` (2^31-1).
fn rand(ctx: &mut Ctx) -> i64 {
    (ctx.server.random() >> 33) as i64
}

const RAND_MAX: f32 = 2_147_483_647.0;

/// A canvas of pixels, each a color number; out-of-range writes are ignored.
struct Canvas {
    width: i64,
    height: i64,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i64, height: i64, color: u8) -> Canvas {
        Canvas { width, height, pixels: vec![color; (width * height) as usize] }
    }

    fn set(&mut self, x: i64, y: i64, color: u8) {
        if (0..self.width).contains(&x) && (0..self.height).contains(&y) {
            self.pixels[(x + y * self.width) as usize] = color;
        }
    }

    fn get(&self, x: i64, y: i64) -> u8 {
        if (0..self.width).contains(&x) && (0..self.height).contains(&y) {
            self.pixels[(x + y * self.width) as usize]
        } else {
            0
        }
    }

    /// Bresenham's line.
    fn line(&mut self, mut x1: i64, mut y1: i64, x2: i64, y2: i64, color: u8) {
        let (dx, dy) = ((x2 - x1).abs(), (y2 - y1).abs());
        let (sx, sy) = (if x1 < x2 { 1 } else { -1 }, if y1 < y2 { 1 } else { -1 });
        let mut err = dx - dy;
        loop {
            self.set(x1, y1, color);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square centred at `x,y`, rotated by `angle` (Redis's `lwDrawSquare`: `float` variables,
    /// arithmetic in `double`).
    fn square(&mut self, x: i64, y: i64, size: f32, angle: f32, color: u8) {
        // Redis's own literal for the square root of two.
        #[allow(clippy::approx_constant)]
        let size = ((f64::from(size) / 1.4142135623) as f32).round();
        let mut k = (std::f64::consts::FRAC_PI_4 + f64::from(angle)) as f32;
        let mut points = [(0i64, 0i64); 4];
        for p in &mut points {
            *p = (
                (f64::from(k).sin() * f64::from(size) + x as f64).round() as i64,
                (f64::from(k).cos() * f64::from(size) + y as f64).round() as i64,
            );
            k = (f64::from(k) + std::f64::consts::FRAC_PI_2) as f32;
        }
        for j in 0..4 {
            let ((x1, y1), (x2, y2)) = (points[j], points[(j + 1) % 4]);
            self.line(x1, y1, x2, y2, color);
        }
    }
}

/// An optional numeric argument, clamped as Redis clamps it.
fn arg(args: &[Vec<u8>], i: usize, default: i64, max: i64) -> Result<i64> {
    let n = match args.get(i) {
        Some(a) => parse_i64(a).ok_or(Error::NotInteger)?,
        None => default,
    };
    Ok(n.clamp(1, max))
}

fn lolwut(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let rest = args.rest();
    let (version, rest) = match rest {
        [word, v, rest @ ..] if word.eq_ignore_ascii_case(b"VERSION") => {
            let v = parse_i64(v).ok_or(Error::NotInteger)?;
            // Redis prints it as an unsigned int.
            (format!("{}.0.0", v as u32), rest)
        }
        _ => (ctx.version().full(), rest),
    };
    let redis = ctx.version().full();
    let text = match version.as_bytes() {
        [b'5', b'.', c, ..] if *c != b'9' => schotter(ctx, rest, &redis)?,
        [b'4', b'.', b'9', ..] => schotter(ctx, rest, &redis)?,
        [b'6', b'.', c, ..] if *c != b'9' => skyline(ctx, rest, &redis)?,
        [b'5', b'.', b'9', ..] => skyline(ctx, rest, &redis)?,
        _ => format!("Redis ver. {redis}\n"),
    };
    Ok(Reply::Verbatim("txt".into(), text.into_bytes()))
}

/// LOLWUT 5: `[columns] [squares-per-row] [squares-per-col]`.
fn schotter(ctx: &mut Ctx, args: &[Vec<u8>], redis: &str) -> Result<String> {
    let cols = arg(args, 0, 66, 1000)?;
    let per_row = arg(args, 1, 8, 200)?;
    let per_col = arg(args, 2, 12, 200)?;
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32) as i64 + padding * 2;
    let mut canvas = Canvas::new(width, height, 0);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i64;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i64;
            let mut angle = 0.0f32;
            if y > 1 {
                let mut r = [0.0f32; 3];
                for v in &mut r {
                    *v = rand(ctx) as f32 / RAND_MAX / per_col as f32 * y as f32;
                }
                for v in &mut r {
                    if rand(ctx) % 2 == 1 {
                        *v = -*v;
                    }
                }
                angle = r[0];
                // C adds a float to an int and truncates back.
                sx = (sx as f32 + r[1] * side / 3.0) as i64;
                sy = (sy as f32 + r[2] * side / 3.0) as i64;
            }
            canvas.square(sx, sy, side, angle, 1);
        }
    }
    let mut text = String::new();
    let mut y = 0;
    while y < canvas.height {
        let mut x = 0;
        while x < canvas.width {
            let bits = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)];
            let byte = bits.iter().enumerate().fold(
                0u32,
                |b, (i, (dx, dy))| {
                    if canvas.get(x + dx, y + dy) != 0 {
                        b | 1 << i
                    } else {
                        b
                    }
                },
            );
            text.push(char::from_u32(0x2800 + byte).unwrap_or(' '));
            x += 2;
        }
        if y != canvas.height - 1 {
            text.push('\n');
        }
        y += 4;
    }
    Ok(format!("{text}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. {redis}\n"))
}

/// LOLWUT 6: `[columns] [rows]`.
fn skyline(ctx: &mut Ctx, args: &[Vec<u8>], redis: &str) -> Result<String> {
    let cols = arg(args, 0, 80, 1000)?;
    let rows = arg(args, 1, 20, 1000)?;
    let mut canvas = Canvas::new(cols, rows, 3);
    for color in [2u8, 1] {
        let mut offset = -10;
        while offset < canvas.width {
            offset += rand(ctx) % 8;
            let width = 10 + rand(ctx) % 9;
            let height = if color == 2 {
                canvas.height / 2 + (rand(ctx) % canvas.height) / 2
            } else {
                canvas.height / 2 + (rand(ctx) % canvas.height) / 3
            };
            skyscraper(ctx, &mut canvas, offset, width, height, false, color);
            offset += if color == 2 { width / 2 } else { width + 1 };
        }
    }
    let mut offset = -10;
    while offset < canvas.width {
        offset += rand(ctx) % 8;
        let mut width = 5 + rand(ctx) % 14;
        if width % 4 != 0 {
            width += width % 3;
        }
        let height = canvas.height / 3 + (rand(ctx) % canvas.height) / 2;
        skyscraper(ctx, &mut canvas, offset, width, height, true, 0);
        offset += width + 5;
    }
    let mut text = String::new();
    for y in 0..canvas.height {
        for x in 0..canvas.width {
            let escape = match canvas.get(x, y) {
                1 => "0;90;100m",
                2 => "0;37;47m",
                3 => "0;97;107m",
                _ => "0;30;40m",
            };
            text.push_str(&format!("\x1b[{escape} \x1b[0m"));
        }
        if y != canvas.height - 1 {
            text.push('\n');
        }
    }
    Ok(format!(
        "{text}\nDedicated to the 8 bit game developers of past and present.\n\
         Original 8 bit image from Plaguemon by hikikomori. Redis ver. {redis}\n"
    ))
}

fn skyscraper(ctx: &mut Ctx, canvas: &mut Canvas, xoff: i64, width: i64, height: i64, windows: bool, color: u8) {
    let start_y = canvas.height - 1;
    let end_y = start_y - height + 1;
    let mut y = start_y;
    while y >= end_y {
        for x in xoff..xoff + width {
            // The roof is four pixels narrower.
            if y == end_y && (x <= xoff + 1 || x >= xoff + width - 2) {
                continue;
            }
            let mut c = color;
            if windows && x > xoff + 1 && x < xoff + width - 2 && y > end_y + 1 && y < start_y - 1 {
                let (relx, rely) = (x - (xoff + 1), y - (end_y + 1));
                if (relx / 2) % 2 != 0 && rely % 2 != 0 {
                    loop {
                        c = (1 + rand(ctx) % 2) as u8;
                        if c != color {
                            break;
                        }
                    }
                    if relx % 2 != 0 {
                        c = canvas.get(x - 1, y);
                    }
                }
            }
            canvas.set(x, y, c);
        }
        y -= 1;
    }
}

#[cfg(test)]
mod tests {
    use crate::{Reply, Server, Version};

    fn lolwut(server: &mut Server, line: &str) -> String {
        let c = server.connect(0);
        let argv = crate::cli::split_args(line.as_bytes()).unwrap();
        match server.execute(0, c, &argv).reply.unwrap() {
            Reply::Verbatim(_, text) => String::from_utf8(text).unwrap(),
            Reply::Error(e) => e,
            other => panic!("{other:?}"),
        }
    }

    // Redis 7.0.15's replies for the same arguments.
    #[test]
    fn versions_and_pictures() {
        let mut s = Server::new(Version::V7_0);
        assert_eq!(lolwut(&mut s, "LOLWUT"), "Redis ver. 7.0.15\n");
        assert_eq!(lolwut(&mut s, "LOLWUT VERSION 9"), "Redis ver. 7.0.15\n");
        assert_eq!(lolwut(&mut s, "LOLWUT VERSION x"), "ERR value is not an integer or out of range");
        assert_eq!(lolwut(&mut s, "LOLWUT VERSION 5 x"), "ERR value is not an integer or out of range");
        assert_eq!(
            lolwut(&mut s, "LOLWUT VERSION 5 1 1 1"),
            "\u{280b}\n\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n"
        );
        assert_eq!(
            lolwut(&mut s, "LOLWUT VERSION 6 1 1"),
            "\x1b[0;97;107m \x1b[0m\nDedicated to the 8 bit game developers of past and present.\n\
             Original 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n"
        );
        // The full pictures: 49 braille rows of 66 cells, and 20 rows of 80 colored cells.
        let schotter = lolwut(&mut s, "LOLWUT VERSION 5");
        let rows: Vec<&str> = schotter.lines().collect();
        assert_eq!(rows.len(), 51, "{schotter}");
        assert!(rows[..49]
            .iter()
            .all(|r| r.chars().count() == 66 && r.chars().all(|c| ('\u{2800}'..='\u{28ff}').contains(&c))));
        let skyline = lolwut(&mut s, "LOLWUT VERSION 6");
        assert_eq!(skyline.lines().filter(|l| l.starts_with('\x1b')).count(), 20);
        assert_eq!(skyline.lines().next().unwrap().matches(" \x1b[0m").count(), 80);
    }
}
