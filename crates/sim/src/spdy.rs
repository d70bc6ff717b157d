//! SPDY/3.1 as far as kubectl's port-forward uses it (client-go over moby/spdystream): the
//! frames, and the header blocks in their shared zlib streams with the SPDY/3 dictionary.
//! kubectl 1.35 tunnels it through a WebSocket (`SPDY/3.1+portforward.k8s.io`); the bytes are
//! the same as over a plain upgraded connection. Pure: bytes in, frames out.
//!
//! Frames (all big-endian): a control frame is `1|version(15) type(16) flags(8) length(24)`
//! then its payload; a data frame is `0|stream(31) flags(8) length(24)` then its bytes.
//! No flow control: spdystream neither sends nor heeds WINDOW_UPDATE.

use std::collections::BTreeMap;

use miniz_oxide::inflate::TINFLStatus;
use miniz_oxide::inflate::core::{DecompressorOxide, decompress, inflate_flags};

pub const VERSION: u16 = 3;
/// The last frame in this direction on its stream.
pub const FLAG_FIN: u8 = 0x01;

pub const SYN_STREAM: u16 = 1;
pub const SYN_REPLY: u16 = 2;
pub const RST_STREAM: u16 = 3;
pub const PING: u16 = 6;
pub const GOAWAY: u16 = 7;
pub const HEADERS: u16 = 8;

/// A frame as read off the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Control {
        kind: u16,
        flags: u8,
        payload: Vec<u8>,
    },
    Data {
        stream: u32,
        flags: u8,
        payload: Vec<u8>,
    },
}

/// Takes the first whole frame off `buf`, if one has arrived; the rest stays for later
/// (a WebSocket message may carry part of a frame, or several).
pub fn take_frame(buf: &mut Vec<u8>) -> Result<Option<Frame>, String> {
    if buf.len() < 8 {
        return Ok(None);
    }
    let len = u32::from_be_bytes([0, buf[5], buf[6], buf[7]]) as usize;
    if buf.len() < 8 + len {
        return Ok(None);
    }
    let payload = buf[8..8 + len].to_vec();
    let flags = buf[4];
    let frame = if buf[0] & 0x80 != 0 {
        let version = u16::from_be_bytes([buf[0] & 0x7f, buf[1]]);
        if version != VERSION {
            return Err(format!("SPDY version {version} is not served (only 3)"));
        }
        Frame::Control {
            kind: u16::from_be_bytes([buf[2], buf[3]]),
            flags,
            payload,
        }
    } else {
        Frame::Data {
            stream: u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]),
            flags,
            payload,
        }
    };
    buf.drain(..8 + len);
    Ok(Some(frame))
}

/// A control frame's bytes.
pub fn control(kind: u16, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&(0x8000 | VERSION).to_be_bytes());
    out.extend_from_slice(&kind.to_be_bytes());
    out.push(flags);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(payload);
    out
}

/// A data frame's bytes.
pub fn data(stream: u32, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&(stream & 0x7fff_ffff).to_be_bytes());
    out.push(flags);
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(payload);
    out
}

/// The stream id a SYN_STREAM, SYN_REPLY, RST_STREAM or HEADERS payload starts with.
pub fn stream_of(payload: &[u8]) -> u32 {
    payload
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0] & 0x7f, b[1], b[2], b[3]]))
        .unwrap_or_default()
}

/// The SPDY/3 header dictionary (the spec's §2.6.10.1): length-prefixed names and values,
/// then a run of common text. Built from its parts rather than spelled out as bytes.
fn dictionary() -> Vec<u8> {
    const WORDS: [&str; 65] = [
        "options",
        "head",
        "post",
        "put",
        "delete",
        "trace",
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "accept-ranges",
        "age",
        "allow",
        "authorization",
        "cache-control",
        "connection",
        "content-base",
        "content-encoding",
        "content-language",
        "content-length",
        "content-location",
        "content-md5",
        "content-range",
        "content-type",
        "date",
        "etag",
        "expect",
        "expires",
        "from",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "last-modified",
        "location",
        "max-forwards",
        "pragma",
        "proxy-authenticate",
        "proxy-authorization",
        "range",
        "referer",
        "retry-after",
        "server",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "user-agent",
        "vary",
        "via",
        "warning",
        "www-authenticate",
        "method",
        "get",
        "status",
        "200 OK",
        "version",
        "HTTP/1.1",
        "url",
        "public",
        "set-cookie",
        "keep-alive",
        "origin",
    ];
    const TEXT: &str = concat!(
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417",
        "502504505203 Non-Authoritative Information204 No Content301 Moved Permanently",
        "400 Bad Request401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error",
        "501 Not Implemented503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct ",
        "Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,",
        "image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,",
        "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8",
        "charset=iso-8859-1,utf-,*,enq=0.",
    );
    let mut out = Vec::with_capacity(1423);
    for w in WORDS {
        out.extend_from_slice(&(w.len() as u32).to_be_bytes());
        out.extend_from_slice(w.as_bytes());
    }
    out.extend_from_slice(TEXT.as_bytes());
    out
}

/// Headers as a name → values map (names are lower-case in SPDY).
pub type Headers = BTreeMap<String, Vec<String>>;

/// Reads the peer's header blocks: one zlib stream for the whole connection, each block
/// ending at a sync flush, back-references reaching into the dictionary.
pub struct HeaderReader {
    state: Box<DecompressorOxide>,
    /// The inflate window, wrapping (a power of two above the 32 KiB deflate reaches back).
    window: Vec<u8>,
    pos: usize,
    header_seen: bool,
}

const WINDOW: usize = 64 * 1024;

impl Default for HeaderReader {
    fn default() -> Self {
        Self::new()
    }
}

impl HeaderReader {
    pub fn new() -> Self {
        let dict = dictionary();
        let mut window = vec![0u8; WINDOW];
        window[..dict.len()].copy_from_slice(&dict);
        HeaderReader {
            state: Box::default(),
            window,
            pos: dict.len(),
            header_seen: false,
        }
    }

    /// Decodes one compressed header block.
    pub fn read(&mut self, mut block: &[u8]) -> Result<Headers, String> {
        if !self.header_seen {
            // The zlib header: CMF, FLG, then the dictionary's Adler-32 when FLG says so.
            let skip = match block {
                [_, flg, ..] if flg & 0x20 != 0 => 6,
                [_, _, ..] => 2,
                _ => return Err("header block shorter than its zlib header".into()),
            };
            block = block.get(skip..).ok_or("truncated zlib header")?;
            self.header_seen = true;
        }
        let mut plain = Vec::new();
        loop {
            let (status, used, written) = decompress(
                &mut self.state,
                block,
                &mut self.window,
                self.pos,
                inflate_flags::TINFL_FLAG_HAS_MORE_INPUT,
            );
            plain.extend_from_slice(&self.window[self.pos..self.pos + written]);
            self.pos = (self.pos + written) & (WINDOW - 1);
            block = &block[used..];
            match status {
                TINFLStatus::HasMoreOutput => continue,
                TINFLStatus::NeedsMoreInput | TINFLStatus::Done if block.is_empty() => break,
                TINFLStatus::NeedsMoreInput if used == 0 && written == 0 => break,
                TINFLStatus::NeedsMoreInput | TINFLStatus::Done => continue,
                other => return Err(format!("header block does not inflate: {other:?}")),
            }
        }
        parse_block(&plain)
    }
}

fn parse_block(plain: &[u8]) -> Result<Headers, String> {
    let mut at = 0usize;
    let u32_at = |at: &mut usize| -> Result<usize, String> {
        let b = plain.get(*at..*at + 4).ok_or("header block cut short")?;
        *at += 4;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = u32_at(&mut at)?;
    let mut out = Headers::new();
    for _ in 0..count {
        let n = u32_at(&mut at)?;
        let name = plain.get(at..at + n).ok_or("header name cut short")?;
        at += n;
        let n = u32_at(&mut at)?;
        let value = plain.get(at..at + n).ok_or("header value cut short")?;
        at += n;
        // Several values of one name are joined by NULs.
        let values = value
            .split(|b| *b == 0)
            .map(|v| String::from_utf8_lossy(v).into_owned());
        out.entry(String::from_utf8_lossy(name).to_lowercase())
            .or_default()
            .extend(values);
    }
    Ok(out)
}

/// Writes this side's header blocks: a zlib stream of stored (uncompressed) deflate blocks,
/// which any inflater reads, so no compressor is needed; the zlib header names no dictionary.
#[derive(Default)]
pub struct HeaderWriter {
    started: bool,
}

impl HeaderWriter {
    pub fn write(&mut self, headers: &[(&str, &str)]) -> Vec<u8> {
        let mut plain = Vec::new();
        plain.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        for (name, value) in headers {
            for s in [name, value] {
                plain.extend_from_slice(&(s.len() as u32).to_be_bytes());
                plain.extend_from_slice(s.as_bytes());
            }
        }
        let mut out = Vec::with_capacity(plain.len() + 16);
        if !self.started {
            // CMF 0x78 (deflate, 32 KiB window), FLG 0x01: no dictionary, check bits right.
            out.extend_from_slice(&[0x78, 0x01]);
            self.started = true;
        }
        for chunk in plain.chunks(0xffff) {
            let len = chunk.len() as u16;
            // A stored block, not the last: the stream goes on with the next header block.
            out.push(0x00);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(chunk);
        }
        // A sync flush (an empty stored block) ends the header block, as zlib's
        // Z_SYNC_FLUSH does: Go's inflater hands out what it has at one, where after a plain
        // stored block it would read on into the next frame and fail for good.
        out.extend_from_slice(&[0x00, 0x00, 0x00, 0xff, 0xff]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dictionary_is_the_specs() {
        let dict = dictionary();
        assert_eq!(dict.len(), 1423);
        // Its Adler-32 is the DICTID kubectl's zlib header names (seen on the wire).
        let (mut a, mut b) = (1u32, 0u32);
        for byte in &dict {
            a = (a + u32::from(*byte)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!((b << 16) | a, 0xe3c6_a7c2);
    }

    #[test]
    fn frames_are_split_off_a_buffer_whole() {
        let mut buf = control(PING, 0, &7u32.to_be_bytes());
        buf.extend(data(3, FLAG_FIN, b"hello"));
        let half = buf.split_off(12);
        let mut pending = buf;
        assert_eq!(
            take_frame(&mut pending).unwrap(),
            Some(Frame::Control {
                kind: PING,
                flags: 0,
                payload: 7u32.to_be_bytes().to_vec()
            })
        );
        assert_eq!(take_frame(&mut pending).unwrap(), None);
        pending.extend(half);
        assert_eq!(
            take_frame(&mut pending).unwrap(),
            Some(Frame::Data {
                stream: 3,
                flags: FLAG_FIN,
                payload: b"hello".to_vec()
            })
        );
        assert!(pending.is_empty());
    }

    #[test]
    fn header_blocks_written_are_read_back_across_one_stream() {
        let mut writer = HeaderWriter::default();
        let mut reader = HeaderReader::new();
        let first = writer.write(&[("streamtype", "error"), ("port", "8080")]);
        let second = writer.write(&[("streamtype", "data"), ("requestid", "0")]);
        let h = reader.read(&first).unwrap();
        assert_eq!(h["streamtype"], vec!["error"]);
        assert_eq!(h["port"], vec!["8080"]);
        let h = reader.read(&second).unwrap();
        assert_eq!(h["streamtype"], vec!["data"]);
        assert_eq!(h["requestid"], vec!["0"]);
    }
}
