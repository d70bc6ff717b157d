//! Stable hashes and ids for the simulator: FNV-1a over bytes, the splitmix64 step, and the
//! hex, generateName-alphabet and UUID shapes built from them. Deterministic on purpose, so the
//! demo names, delays and log lines are the same on every run.

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The characters the API server draws generateName suffixes from (no vowels, no look-alikes).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// FNV-1a of `bytes`.
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    fnv1a_from(FNV_OFFSET, bytes)
}

/// FNV-1a continued from an earlier state `h` (for hashing a value in pieces).
pub fn fnv1a_from(h: u64, bytes: impl IntoIterator<Item = u8>) -> u64 {
    bytes
        .into_iter()
        .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(FNV_PRIME))
}

/// The splitmix64 step: spreads close inputs over the whole range, and draws a sequence of
/// values from one seed.
pub fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `len` lowercase hex digits drawn from `seed`.
pub fn hex_id(seed: u64, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut state = seed;
    while out.len() < len {
        state = mix(state);
        out.push_str(&format!("{state:016x}"));
    }
    out.truncate(len);
    out
}

/// `len` characters of [`NAME_ALPHABET`], like the random suffixes Kubernetes and Airflow add.
pub fn alnum_id(seed: u64, len: usize) -> String {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = mix(state);
            NAME_ALPHABET[(state % NAME_ALPHABET.len() as u64) as usize] as char
        })
        .collect()
}

/// The base-27 digits of `h` in [`NAME_ALPHABET`], lowest first: `len` characters (the shape
/// of generateName suffixes and pod-template-hash).
pub fn name_digits(mut h: u64, len: usize) -> String {
    let base = NAME_ALPHABET.len() as u64;
    (0..len)
        .map(|_| {
            let c = NAME_ALPHABET[(h % base) as usize] as char;
            h /= base;
            c
        })
        .collect()
}

/// A version-4-shaped UUID from 32 hex digits.
pub fn uuid_from_hex(h: &str) -> String {
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// A version-4-shaped UUID drawn from `seed`.
pub fn uuid(seed: u64) -> String {
    uuid_from_hex(&hex_id(seed, 32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_and_continues_in_pieces() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(*b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(*b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_from(fnv1a(*b"fo"), *b"o"), fnv1a(*b"foo"));
    }

    #[test]
    fn ids_have_their_shapes() {
        let u = uuid(7);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(uuid(7), u);
        assert_ne!(uuid(8), u);
        let s = alnum_id(3, 5);
        assert!(s.bytes().all(|c| NAME_ALPHABET.contains(&c)) && s.len() == 5);
        assert_eq!(hex_id(1, 40).len(), 40);
    }
}
