//! Geo commands over sorted sets: a position is stored as its 52-bit geohash score (26 bits of
//! longitude and latitude interleaved over Redis's Mercator-safe ranges), and read back as the
//! centre of its cell, so positions and distances print as Redis prints them.

use crate::args::Args;
use crate::command::command;
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

/// A coordinate as `addReplyHumanLongDouble` prints it: 17 decimals, trailing zeros removed.
fn coordinate_reply(v: f64) -> Reply {
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

command!(
    GEOADD,
    "geoadd",
    -5,
    [Write],
    (1, 1, 1),
    GEO,
    "3.2.0",
    "key [NX | XX] [CH] longitude latitude member [longitude latitude member ...]",
    "Adds one or more members to a geospatial index. The key is created if it doesn't exist.",
    geoadd
);

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
        let lon = super::zset::parse_double(&t[0]).ok_or(Error::NotFloat)?;
        let lat = super::zset::parse_double(&t[1]).ok_or(Error::NotFloat)?;
        if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
            return Err(Error::other(format!("ERR invalid longitude,latitude pair {lon:.6},{lat:.6}")));
        }
        argv.push((encode(lon, lat, LAT_MIN, LAT_MAX) as f64).to_string().into_bytes());
        argv.push(t[2].clone());
    }
    let reply = (super::zset::ZADD.run.expect("ZADD runs"))(ctx, Args::new(&argv[1..]))?;
    // Replicas get the scores, as Redis rewrites GEOADD into ZADD.
    ctx.propagate_as = Some(argv);
    Ok(reply)
}

command!(
    GEOPOS,
    "geopos",
    -2,
    [ReadOnly],
    (1, 1, 1),
    GEO,
    "3.2.0",
    "key [member [member ...]]",
    "Returns the longitude and latitude of members from a geospatial index.",
    geopos
);

fn geopos(ctx: &mut Ctx, mut args: Args) -> Result<Reply> {
    let key = args.next()?;
    let members = args.rest();
    let zset = zset_at(ctx, key)?;
    Ok(Reply::Array(
        members
            .iter()
            .map(|m| match zset.as_ref().and_then(|z| z.score(m)) {
                None => Reply::NilArray,
                Some(score) => {
                    let (lon, lat) = decode(score_bits(score));
                    Reply::Array(vec![coordinate_reply(lon), coordinate_reply(lat)])
                }
            })
            .collect(),
    ))
}

command!(
    GEODIST,
    "geodist",
    -4,
    [ReadOnly],
    (1, 1, 1),
    GEO,
    "3.2.0",
    "key member1 member2 [M | KM | FT | MI]",
    "Returns the distance between two members of a geospatial index.",
    geodist
);

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

command!(
    GEOHASH,
    "geohash",
    -2,
    [ReadOnly],
    (1, 1, 1),
    GEO,
    "3.2.0",
    "key [member [member ...]]",
    "Returns members from a geospatial index as geohash strings.",
    geohash
);

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
