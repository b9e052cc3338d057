//! Geo commands over sorted sets: a position is stored as its 52-bit geohash score (26 bits of
//! longitude and latitude interleaved over Redis's Mercator-safe ranges), and read back as the
//! centre of its cell, so positions and distances print as Redis prints them.

use crate::args::Args;
use crate::command::{CommandSpec, Flag};
use crate::error::{Error, Result};
use crate::reply::Reply;
use crate::server::Ctx;
use crate::value::{Value, ZSet};

const GEO: &str = "geo";
const STEP: u32 = 26;
const LONG_MIN: f64 = -180.0;
const LONG_MAX: f64 = 180.0;
const LAT_MIN: f64 = -85.051_128_78;
const LAT_MAX: f64 = 85.051_128_78;
const EARTH_RADIUS_IN_METERS: f64 = 6_372_797.560_856;

/// Spreads the 32 bits of `v` to the even bit positions.
fn spread(v: u32) -> u64 {
    let mut x = u64::from(v);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333_3333_3333;
    (x | (x << 1)) & 0x5555_5555_5555_5555
}

/// Gathers the even bit positions of `x` into 32 bits.
fn squash(mut x: u64) -> u32 {
    x &= 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    ((x | (x >> 16)) & 0x0000_0000_FFFF_FFFF) as u32
}

/// Redis's `geohashEncode` over the given latitude range.
fn encode(lon: f64, lat: f64, lat_min: f64, lat_max: f64) -> u64 {
    let lat_offset = (lat - lat_min) / (lat_max - lat_min) * f64::from(1u32 << STEP);
    let lon_offset = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * f64::from(1u32 << STEP);
    spread(lat_offset as u32) | (spread(lon_offset as u32) << 1)
}

/// Redis's `geohashDecodeToLongLatWGS84`: the centre of the cell, clamped to the valid ranges.
pub(crate) fn decode(bits: u64) -> (f64, f64) {
    let (ilat, ilon) = (f64::from(squash(bits)), f64::from(squash(bits >> 1)));
    let cells = f64::from(1u32 << STEP);
    let (lat_scale, lon_scale) = (LAT_MAX - LAT_MIN, LONG_MAX - LONG_MIN);
    let lat_lo = LAT_MIN + (ilat / cells) * lat_scale;
    let lat_hi = LAT_MIN + ((ilat + 1.0) / cells) * lat_scale;
    let lon_lo = LONG_MIN + (ilon / cells) * lon_scale;
    let lon_hi = LONG_MIN + ((ilon + 1.0) / cells) * lon_scale;
    let lon = ((lon_lo + lon_hi) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((lat_lo + lat_hi) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// A score read back as geohash bits the way C's `(uint64_t)score` does on x86-64 (scores that
/// `ZADD` put there need not be geohashes: `+inf` becomes 0, negative numbers wrap).
fn score_bits(score: f64) -> u64 {
    const TWO63: f64 = 9_223_372_036_854_775_808.0;
    let truncate = |v: f64| -> i64 {
        if v.is_nan() || !(-TWO63..TWO63).contains(&v) {
            i64::MIN
        } else {
            v as i64
        }
    };
    if score < TWO63 {
        truncate(score) as u64
    } else {
        (truncate(score - TWO63) as u64) ^ (1 << 63)
    }
}

fn deg_rad(d: f64) -> f64 {
    d * (std::f64::consts::PI / 180.0)
}

/// Redis's `geohashGetDistance` (haversine on Redis's Earth radius).
pub(crate) fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let v = ((deg_rad(lon2) - deg_rad(lon1)) / 2.0).sin();
    if v == 0.0 {
        return EARTH_RADIUS_IN_METERS * (deg_rad(lat2) - deg_rad(lat1)).abs();
    }
    let (lat1r, lat2r) = (deg_rad(lat1), deg_rad(lat2));
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// A coordinate: from Redis 8.0 a double (redis/redis#13494 changed `GEOPOS` and `WITHCOORD` to
/// `addReplyDouble`), before as `addReplyHumanLongDouble` prints it: 17 decimals, trailing zeros
/// removed.
fn coordinate_reply(v: f64, version: crate::Version) -> Reply {
    if version.at_least(8, 0) {
        return Reply::Double(v);
    }
    let text = format!("{v:.17}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    Reply::bulk(if text == "-0" { "0" } else { text })
}

/// Redis's `extractUnitOrReply`: meters per unit.
fn unit(arg: &[u8]) -> Result<f64> {
    match arg.to_ascii_lowercase().as_slice() {
        b"m" => Ok(1.0),
        b"km" => Ok(1000.0),
        b"ft" => Ok(0.3048),
        b"mi" => Ok(1609.34),
        _ => Err(Error::other("ERR unsupported unit provided. please use M, KM, FT, MI")),
    }
}

fn zset_at<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut ZSet>> {
    match ctx.lookup(key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(Error::WrongType),
    }
}

pub static GEOADD: CommandSpec = CommandSpec::new("geoadd", -5, GEO, "3.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 1, 1)
    .doc(
        "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
        "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
    )
    .run(geoadd);

/// Redis's `geoaddCommand`: checks the coordinates, then runs `ZADD` with the geohashes.
fn geoadd(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?.to_vec();
    let rest = args.rest();
    let mut flags = Vec::new();
    let (mut nx, mut xx) = (false, false);
    let mut i = 0;
    while i < rest.len() {
        match rest[i].to_ascii_uppercase().as_slice() {
            b"NX" => nx = true,
            b"XX" => xx = true,
            b"CH" => {}
            _ => break,
        }
        flags.push(rest[i].clone());
        i += 1;
    }
    let triples = &rest[i..];
    if triples.is_empty() || !triples.len().is_multiple_of(3) || (nx && xx) {
        return Err(Error::Syntax);
    }
    let mut argv = vec![b"zadd".to_vec(), key];
    argv.extend(flags);
    for t in triples.chunks(3) {
        let lon = crate::args::parse_f64(&t[0]).ok_or(Error::NotFloat)?;
        let lat = crate::args::parse_f64(&t[1]).ok_or(Error::NotFloat)?;
        if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
            return Err(Error::other(format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}")));
        }
        argv.push((encode(lon, lat, LAT_MIN, LAT_MAX) as f64).to_string().into_bytes());
        argv.push(t[2].clone());
    }
    let reply = super::zset::zadd(ctx, Args::new(&argv[1..]))?;
    // Replicas get the scores, as Redis rewrites GEOADD into ZADD.
    ctx.propagate_as = Some(argv);
    Ok(reply)
}

pub static GEOPOS: CommandSpec = CommandSpec::new("geopos", -2, GEO, "3.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [member [member ...]]", "Returns the longitude and latitude of members from a geospatial index.")
    .run(geopos);

fn geopos(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let version = ctx.version();
    let zset = zset_at(ctx, key)?;
    Ok(Reply::Array(
        members
            .iter()
            .map(|m| match zset.as_ref().and_then(|z| z.score(m)) {
                None => Reply::NilArray,
                Some(score) => {
                    let (lon, lat) = decode(score_bits(score));
                    Reply::Array(vec![coordinate_reply(lon, version), coordinate_reply(lat, version)])
                }
            })
            .collect(),
    ))
}

pub static GEODIST: CommandSpec = CommandSpec::new("geodist", -4, GEO, "3.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key member1 member2 [M | KM | FT | MI]", "Returns the distance between two members of a geospatial index.")
    .run(geodist);

fn geodist(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let (a, b) = (args.next()?, args.next()?);
    let to_meters = match args.remaining() {
        0 => 1.0,
        1 => unit(args.next()?)?,
        _ => return Err(Error::Syntax),
    };
    let Some(zset) = zset_at(ctx, key)? else { return Ok(Reply::Nil) };
    let (Some(sa), Some(sb)) = (zset.score(a), zset.score(b)) else { return Ok(Reply::Nil) };
    let ((lon1, lat1), (lon2, lat2)) = (decode(score_bits(sa)), decode(score_bits(sb)));
    Ok(Reply::bulk(format!("{:.4}", distance(lon1, lat1, lon2, lat2) / to_meters)))
}

pub static GEOHASH: CommandSpec = CommandSpec::new("geohash", -2, GEO, "3.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key [member [member ...]]", "Returns members from a geospatial index as geohash strings.")
    .run(geohash);

/// Redis's `geohashCommand`: the position re-encoded over the standard latitude range, as the
/// usual 11-character base32 geohash (the last character always `0`).
fn geohash(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let key = args.next()?;
    let members = args.rest();
    let zset = zset_at(ctx, key)?;
    Ok(Reply::Array(
        members
            .iter()
            .map(|m| match zset.as_ref().and_then(|z| z.score(m)) {
                None => Reply::Nil,
                Some(score) => {
                    let (lon, lat) = decode(score_bits(score));
                    let bits = encode(lon, lat, -90.0, 90.0);
                    let text: Vec<u8> = (0..11)
                        .map(|i| if i == 10 { b'0' } else { ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize] })
                        .collect();
                    Reply::Bulk(text)
                }
            })
            .collect(),
    ))
}

// Searching: GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO].
//
// Redis covers the search area with the geohash box of the centre at a precision chosen from the
// radius, plus its 8 neighbours (some dropped when they cannot matter), reads each box as a score
// range of the sorted set, keeps the points inside the shape, and sorts by distance when asked.
// Without sorting, results come in that box order, which is why it is reproduced step by step.

/// A geohash of `step` bits per coordinate (Redis's `GeoHashBits`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct Hash {
    bits: u64,
    step: u32,
}

impl Hash {
    fn is_zero(self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// `geohashEncode` at a given precision.
fn encode_step(lon: f64, lat: f64, step: u32) -> Hash {
    let cells = (1u64 << step) as f64;
    let lat_offset = (lat - LAT_MIN) / (LAT_MAX - LAT_MIN) * cells;
    let lon_offset = (lon - LONG_MIN) / (LONG_MAX - LONG_MIN) * cells;
    Hash { bits: spread(lat_offset as u32) | (spread(lon_offset as u32) << 1), step }
}

/// `geohashDecode`: the cell's `(lon_min, lon_max, lat_min, lat_max)`.
fn cell(h: Hash) -> (f64, f64, f64, f64) {
    let (ilat, ilon) = (f64::from(squash(h.bits)), f64::from(squash(h.bits >> 1)));
    let cells = (1u64 << h.step) as f64;
    let (lat_scale, lon_scale) = (LAT_MAX - LAT_MIN, LONG_MAX - LONG_MIN);
    (
        LONG_MIN + (ilon / cells) * lon_scale,
        LONG_MIN + ((ilon + 1.0) / cells) * lon_scale,
        LAT_MIN + (ilat / cells) * lat_scale,
        LAT_MIN + ((ilat + 1.0) / cells) * lat_scale,
    )
}

/// `geohash_move_x` / `geohash_move_y`: the neighbouring cell east/west (x, the odd bits) or
/// north/south (y, the even bits), wrapping as the C does.
fn shift(h: Hash, dx: i8, dy: i8) -> Hash {
    let width = 64 - h.step * 2;
    let mut bits = h.bits;
    for (d, mask_self, mask_other) in
        [(dx, 0xaaaa_aaaa_aaaa_aaaau64, 0x5555_5555_5555_5555u64), (dy, 0x5555_5555_5555_5555, 0xaaaa_aaaa_aaaa_aaaa)]
    {
        if d == 0 {
            continue;
        }
        let mut v = bits & mask_self;
        let other = bits & mask_other;
        let zz = mask_other.checked_shr(width).unwrap_or(0);
        if d > 0 {
            v = v.wrapping_add(zz.wrapping_add(1));
        } else {
            v |= zz;
            v = v.wrapping_sub(zz.wrapping_add(1));
        }
        v &= mask_self.checked_shr(width).unwrap_or(0);
        bits = v | other;
    }
    Hash { bits, step: h.step }
}

#[derive(Clone, Copy)]
enum Shape {
    /// Radius, in the unit given.
    Circle(f64),
    /// Width and height, in the unit given.
    Box(f64, f64),
}

struct Search {
    lon: f64,
    lat: f64,
    shape: Shape,
    /// Meters per unit.
    conversion: f64,
}

/// `geohashEstimateStepsByRadius`.
fn estimate_steps(mut range_meters: f64, lat: f64) -> u32 {
    const MERCATOR_MAX: f64 = 20_037_726.37;
    if range_meters == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u32
}

fn rad_deg(r: f64) -> f64 {
    r / (std::f64::consts::PI / 180.0)
}

/// `geohashCalculateAreasByShapeWGS84`: the centre box and its neighbours, in Redis's order
/// (centre, N, S, E, W, NE, NW, SE, SW), zeroed where they are useless.
fn areas(s: &Search) -> [Hash; 9] {
    let (half_w, half_h, radius) = match s.shape {
        Shape::Circle(r) => (r, r, r),
        Shape::Box(w, h) => (w / 2.0, h / 2.0, ((w / 2.0) * (w / 2.0) + (h / 2.0) * (h / 2.0)).sqrt()),
    };
    let (height, width) = (s.conversion * half_h, s.conversion * half_w);
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let lon_delta_top = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(s.lat + lat_delta).cos());
    let lon_delta_bottom = rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(s.lat - lat_delta).cos());
    let southern = s.lat < 0.0;
    let min_lon = if southern { s.lon - lon_delta_bottom } else { s.lon - lon_delta_top };
    let max_lon = if southern { s.lon + lon_delta_bottom } else { s.lon + lon_delta_top };
    let (min_lat, max_lat) = (s.lat - lat_delta, s.lat + lat_delta);

    let mut steps = estimate_steps(radius * s.conversion, s.lat);
    let neighbours = |h: Hash| -> [Hash; 9] {
        [
            h,
            shift(h, 0, 1),
            shift(h, 0, -1),
            shift(h, 1, 0),
            shift(h, -1, 0),
            shift(h, 1, 1),
            shift(h, -1, 1),
            shift(h, 1, -1),
            shift(h, -1, -1),
        ]
    };
    let mut hash = encode_step(s.lon, s.lat, steps);
    let mut n = neighbours(hash);
    let decrease = cell(n[1]).3 < max_lat || cell(n[2]).2 > min_lat || cell(n[3]).1 < max_lon || cell(n[4]).0 > min_lon;
    if steps > 1 && decrease {
        steps -= 1;
        hash = encode_step(s.lon, s.lat, steps);
        n = neighbours(hash);
    }
    if steps >= 2 {
        let (lon_lo, lon_hi, lat_lo, lat_hi) = cell(hash);
        let zero = Hash::default();
        if lat_lo < min_lat {
            n[2] = zero;
            n[8] = zero;
            n[7] = zero;
        }
        if lat_hi > max_lat {
            n[1] = zero;
            n[5] = zero;
            n[6] = zero;
        }
        if lon_lo < min_lon {
            n[4] = zero;
            n[8] = zero;
            n[6] = zero;
        }
        if lon_hi > max_lon {
            n[3] = zero;
            n[7] = zero;
            n[5] = zero;
        }
    }
    n
}

struct Found {
    member: Vec<u8>,
    score: f64,
    lon: f64,
    lat: f64,
    /// In meters.
    dist: f64,
}

/// `geoWithinShape`: the point's distance when it is inside the shape.
fn within(s: &Search, score: f64) -> Option<(f64, f64, f64)> {
    let (lon, lat) = decode(score_bits(score));
    let dist = match s.shape {
        Shape::Circle(r) => {
            let d = distance(s.lon, s.lat, lon, lat);
            (d <= r * s.conversion).then_some(d)?
        }
        Shape::Box(w, h) => {
            let lat_distance = EARTH_RADIUS_IN_METERS * (deg_rad(s.lat) - deg_rad(lat)).abs();
            if lat_distance > h * s.conversion / 2.0 {
                return None;
            }
            if distance(lon, lat, s.lon, lat) > w * s.conversion / 2.0 {
                return None;
            }
            distance(s.lon, s.lat, lon, lat)
        }
    };
    Some((lon, lat, dist))
}

/// `membersOfAllNeighbors`: every point inside the shape, box by box; `limit` stops early (ANY).
fn members_in(zset: &ZSet, s: &Search, limit: usize) -> Vec<Found> {
    use crate::value::Score;
    let boxes = areas(s);
    let mut found = Vec::new();
    let mut last: Option<usize> = None;
    for (i, h) in boxes.iter().enumerate() {
        if h.is_zero() {
            continue;
        }
        if let Some(l) = last {
            if l > 0 && boxes[l] == *h {
                continue;
            }
        }
        if limit > 0 && !found.is_empty() && found.len() >= limit {
            break;
        }
        let min = (h.bits << (52 - h.step * 2)) as f64;
        let max = ((h.bits + 1) << (52 - h.step * 2)) as f64;
        for (score, member) in zset.order.range((Score(min), Vec::new())..) {
            if score.0 >= max {
                break;
            }
            if limit > 0 && !found.is_empty() && found.len() >= limit {
                break;
            }
            if let Some((lon, lat, dist)) = within(s, score.0) {
                found.push(Found { member: member.clone(), score: score.0, lon, lat, dist });
            }
        }
        last = Some(i);
    }
    found
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// GEORADIUS (coordinates) or GEORADIUSBYMEMBER; `store` allowed unless `_RO`.
    Radius {
        by_member: bool,
        store: bool,
    },
    Search {
        store: bool,
    },
}

fn parse_double_or(arg: &[u8], msg: &str) -> Result<f64> {
    crate::args::parse_f64(arg).ok_or_else(|| Error::other(format!("ERR {msg}")))
}

fn lon_lat(args: &[Vec<u8>]) -> Result<(f64, f64)> {
    let lon = crate::args::parse_f64(&args[0]).ok_or(Error::NotFloat)?;
    let lat = crate::args::parse_f64(&args[1]).ok_or(Error::NotFloat)?;
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return Err(Error::other(format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}")));
    }
    Ok((lon, lat))
}

fn radius_and_unit(args: &[Vec<u8>]) -> Result<(f64, f64)> {
    let r = parse_double_or(&args[0], "need numeric radius")?;
    if r < 0.0 {
        return Err(Error::other("ERR radius cannot be negative"));
    }
    Ok((r, unit(&args[1])?))
}

/// Redis's `georadiusGeneric`, for all six commands.
fn search_generic(ctx: &mut Ctx, argv: &[Vec<u8>], kind: Kind) -> Result<Reply> {
    let version = ctx.version();
    let name = String::from_utf8_lossy(&argv[0]).into_owned();
    let (src_index, base) = match kind {
        Kind::Radius { by_member: false, .. } => (1, 6),
        Kind::Radius { by_member: true, .. } => (1, 5),
        Kind::Search { store: false } => (1, 2),
        Kind::Search { store: true } => (2, 3),
    };
    let src = argv[src_index].clone();
    let mut store_key = match kind {
        Kind::Search { store: true } => Some(argv[1].clone()),
        _ => None,
    };
    let zset: Option<ZSet> = zset_at(ctx, &src)?.map(|z| z.clone());
    let mut center: Option<(f64, f64)> = None;
    let mut shape: Option<(Shape, f64)> = None;
    match kind {
        Kind::Radius { by_member: false, .. } => {
            center = Some(lon_lat(&argv[2..4])?);
            let (r, conversion) = radius_and_unit(&argv[4..6])?;
            shape = Some((Shape::Circle(r), conversion));
        }
        Kind::Radius { by_member: true, .. } => {
            if let Some(z) = &zset {
                let score =
                    z.score(&argv[2]).ok_or_else(|| Error::other("ERR could not decode requested zset member"))?;
                center = Some(decode(score_bits(score)));
                let (r, conversion) = radius_and_unit(&argv[3..5])?;
                shape = Some((Shape::Circle(r), conversion));
            }
        }
        Kind::Search { .. } => {}
    }
    let (mut withdist, mut withhash, mut withcoord, mut any) = (false, false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort: Option<bool> = None; // Some(true) ascending
    let mut count: i64 = 0;
    let mut storedist = false;
    let is_search = matches!(kind, Kind::Search { .. });
    let radius_store = matches!(kind, Kind::Radius { store: true, .. });
    let rest = &argv[base..];
    let remaining = rest.len();
    let mut i = 0;
    while i < remaining {
        let arg = rest[i].to_ascii_lowercase();
        match arg.as_slice() {
            b"withdist" => withdist = true,
            b"withhash" => withhash = true,
            b"withcoord" => withcoord = true,
            b"any" => any = true,
            b"asc" => sort = Some(true),
            b"desc" => sort = Some(false),
            b"count" if i + 1 < remaining => {
                count = crate::args::parse_i64(&rest[i + 1]).ok_or(Error::NotInteger)?;
                if count <= 0 {
                    return Err(Error::other("ERR COUNT must be > 0"));
                }
                i += 1;
            }
            b"store" | b"storedist" if i + 1 < remaining && radius_store => {
                store_key = Some(rest[i + 1].clone());
                storedist = arg == b"storedist";
                i += 1;
            }
            b"storedist" if matches!(kind, Kind::Search { store: true }) => storedist = true,
            b"frommember" if i + 1 < remaining && is_search && !fromloc => {
                if let Some(z) = &zset {
                    let score = z
                        .score(&rest[i + 1])
                        .ok_or_else(|| Error::other("ERR could not decode requested zset member"))?;
                    center = Some(decode(score_bits(score)));
                }
                frommember = true;
                i += 1;
            }
            b"fromlonlat" if i + 2 < remaining && is_search && !frommember => {
                center = Some(lon_lat(&rest[i + 1..i + 3])?);
                fromloc = true;
                i += 2;
            }
            b"byradius" if i + 2 < remaining && is_search && !bybox => {
                let (r, conversion) = radius_and_unit(&rest[i + 1..i + 3])?;
                shape = Some((Shape::Circle(r), conversion));
                byradius = true;
                i += 2;
            }
            b"bybox" if i + 3 < remaining && is_search && !byradius => {
                let w = parse_double_or(&rest[i + 1], "need numeric width")?;
                let h = parse_double_or(&rest[i + 2], "need numeric height")?;
                if h < 0.0 || w < 0.0 {
                    return Err(Error::other("ERR height or width cannot be negative"));
                }
                shape = Some((Shape::Box(w, h), unit(&rest[i + 3])?));
                bybox = true;
                i += 3;
            }
            _ => return Err(Error::Syntax),
        }
        i += 1;
    }
    if store_key.is_some() && (withdist || withhash || withcoord) {
        let what =
            if matches!(kind, Kind::Search { store: true }) { "GEOSEARCHSTORE" } else { "STORE option in GEORADIUS" };
        return Err(Error::other(format!(
            "ERR {what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        )));
    }
    if is_search && !(frommember || fromloc) {
        return Err(Error::other(format!("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}")));
    }
    if is_search && !(byradius || bybox) {
        return Err(Error::other(format!("ERR exactly one of BYRADIUS and BYBOX can be specified for {name}")));
    }
    if any && count == 0 {
        return Err(Error::other("ERR the ANY argument requires COUNT argument"));
    }
    let Some(zset) = zset else {
        return Ok(match store_key {
            Some(dest) => {
                ctx.delete(&dest);
                Reply::Integer(0)
            }
            None => Reply::Array(Vec::new()),
        });
    };
    let (Some((lon, lat)), Some((shape, conversion))) = (center, shape) else {
        return Err(Error::Syntax);
    };
    if count != 0 && sort.is_none() && !any {
        sort = Some(true);
    }
    let search = Search { lon, lat, shape, conversion };
    let mut found = members_in(&zset, &search, if any { count as usize } else { 0 });
    if found.is_empty() && store_key.is_none() {
        return Ok(Reply::Array(Vec::new()));
    }
    // glibc's qsort is a merge sort here: equal distances keep their order.
    match sort {
        Some(true) => found.sort_by(|a, b| a.dist.partial_cmp(&b.dist).unwrap_or(std::cmp::Ordering::Equal)),
        Some(false) => found.sort_by(|a, b| b.dist.partial_cmp(&a.dist).unwrap_or(std::cmp::Ordering::Equal)),
        None => {}
    }
    let returned = if count == 0 { found.len() } else { found.len().min(count as usize) };
    found.truncate(returned);
    match store_key {
        None => {
            let options = usize::from(withdist) + usize::from(withhash) + usize::from(withcoord);
            Ok(Reply::Array(
                found
                    .into_iter()
                    .map(|f| {
                        if options == 0 {
                            return Reply::Bulk(f.member);
                        }
                        let mut item = vec![Reply::Bulk(f.member)];
                        if withdist {
                            item.push(Reply::bulk(format!("{:.4}", f.dist / conversion)));
                        }
                        if withhash {
                            item.push(Reply::Integer(f.score as i64));
                        }
                        if withcoord {
                            item.push(Reply::Array(vec![
                                coordinate_reply(f.lon, version),
                                coordinate_reply(f.lat, version),
                            ]));
                        }
                        Reply::Array(item)
                    })
                    .collect(),
            ))
        }
        Some(dest) => {
            if returned == 0 {
                ctx.delete(&dest);
            } else {
                let enc = ctx.server.config.encodings;
                let mut z = ZSet::empty();
                for f in &found {
                    z.insert(&f.member, if storedist { f.dist / conversion } else { f.score }, &enc);
                }
                z.settle(&enc);
                ctx.store(&dest, Value::ZSet(Box::new(z)), false);
                ctx.dirty += returned as u64;
            }
            Ok(Reply::Integer(returned as i64))
        }
    }
}

pub static GEOSEARCH: CommandSpec = CommandSpec::new("geosearch", -7, GEO, "6.2.0")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]", "Queries a geospatial index for members inside an area of a box or a circle.")
    .run(geosearch);

fn geosearch(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Search { store: false })
}

pub static GEOSEARCHSTORE: CommandSpec = CommandSpec::new("geosearchstore", -8, GEO, "6.2.0")
    .flags(&[Flag::Write, Flag::DenyOom])
    .keys(1, 2, 1)
    .doc("destination source <FROMMEMBER member | FROMLONLAT longitude latitude> <BYRADIUS radius <M | KM | FT | MI> | BYBOX width height <M | KM | FT | MI>> [ASC | DESC] [COUNT count [ANY]] [STOREDIST]", "Queries a geospatial index for members inside an area of a box or a circle, optionally stores the result.")
    .run(geosearchstore);

fn geosearchstore(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Search { store: true })
}

pub static GEORADIUS: CommandSpec = CommandSpec::new("georadius", -6, GEO, "3.2.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .doc("key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]", "Queries a geospatial index for members within a distance from a coordinate, optionally stores the result.")
    .run(georadius);

fn georadius(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Radius { by_member: false, store: true })
}

pub static GEORADIUS_RO: CommandSpec = CommandSpec::new("georadius_ro", -6, GEO, "3.2.10")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc("key longitude latitude radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]", "Returns members from a geospatial index that are within a distance from a coordinate.")
    .run(georadius_ro);

fn georadius_ro(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Radius { by_member: false, store: false })
}

pub static GEORADIUSBYMEMBER: CommandSpec = CommandSpec::new("georadiusbymember", -5, GEO, "3.2.0")
    .flags(&[Flag::Write, Flag::DenyOom, Flag::MovableKeys])
    .keys(1, 1, 1)
    .doc("key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC] [STORE key | STOREDIST key]", "Queries a geospatial index for members within a distance from a member, optionally stores the result.")
    .run(georadiusbymember);

fn georadiusbymember(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Radius { by_member: true, store: true })
}

pub static GEORADIUSBYMEMBER_RO: CommandSpec = CommandSpec::new("georadiusbymember_ro", -5, GEO, "3.2.10")
    .flags(&[Flag::ReadOnly])
    .keys(1, 1, 1)
    .doc(
        "key member radius <M | KM | FT | MI> [WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count [ANY]] [ASC | DESC]",
        "Returns members from a geospatial index that are within a distance from a member.",
    )
    .run(georadiusbymember_ro);

fn georadiusbymember_ro(ctx: &mut Ctx, _: Args) -> Result<Reply> {
    let argv = ctx.argv.to_vec();
    search_generic(ctx, &argv, Kind::Radius { by_member: true, store: false })
}
