//! A deliberately hostile container for the demo: terminal escapes, control characters,
//! replacement characters, mixed-width text and a ~100 KB line, so the log viewer's
//! sanitising and wrapping are exercised by the demo itself.

use chrono::{DateTime, Utc};

use super::{Ctx, Plan, iso_ms};

/// Pod or container named like `noisy`.
pub(crate) fn detect(ctx: &Ctx<'_>) -> bool {
    ctx.name.contains("noisy") || ctx.container.contains("noisy")
}

/// Size of the very long line (bytes, before the prefix).
pub(crate) const LONG_LINE: usize = 100 * 1024;

fn long_line(at: DateTime<Utc>, k: u64) -> String {
    let mut s = format!("{} INFO payload dump #{k}: ", iso_ms(at));
    let chunk = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+";
    while s.len() < LONG_LINE {
        s.push_str(chunk);
    }
    s.push_str(" END");
    s
}

/// The hostile samples, one per beat slot in turn.
fn sample(at: DateTime<Utc>, k: u64) -> String {
    let t = iso_ms(at);
    match k % 16 {
        0 => format!(
            "{t} \x1b[1;31mERROR\x1b[0m \x1b[33mcoloured\x1b[0m output with \x1b[4munderline\x1b[24m and \x1b[38;5;208m256-colour\x1b[0m"
        ),
        1 => format!("{t} clear screen next\x1b[2J\x1b[H and cursor home, then \x1b[10;40Hjump"),
        2 => format!(
            "{t} set window title \x1b]0;you have been pwned\x07 and \x1b]8;;https://evil.example/\x1b\\a hyperlink\x1b]8;;\x1b\\"
        ),
        3 => format!(
            "{t} alternate screen \x1b[?1049h then hide cursor \x1b[?25l (a viewer must not obey)"
        ),
        4 => format!("{t} carriage return progress 10%\rprogress 55%\rprogress 100%"),
        5 => format!(
            "{t} backspaces abc\x08\x08\x08XYZ and bell \x07\x07 and DEL \x7f and NUL \0 end"
        ),
        6 => format!(
            "{t} invalid UTF-8 decoded lossily: caf\u{FFFD} \u{FFFD}\u{FFFD}(\u{FFFD} \u{FFFD}"
        ),
        7 => format!("{t} C1 controls \u{9b}31m (8-bit CSI) \u{85} (NEL) \u{9d}0;title\u{9c}"),
        8 => format!(
            "{t} bidi override \u{202E}gnp.exe\u{202C} and zero-width \u{200B}\u{200D}\u{FEFF} characters"
        ),
        9 => format!(
            "{t} wide text 数据管道失败：表 订单 不存在 — emoji 🔥💥🚀 — combining Z\u{337}\u{321}a\u{336}l\u{337}g\u{335}o\u{338}"
        ),
        10 => format!("{t}\ttabs\tin\tthe\tmiddle\t\tand trailing   \t"),
        11 => {
            format!("{t} vertical tab \x0b form feed \x0c escape alone \x1b and a lone CSI \x1b[")
        }
        12 => format!("{t} {}", "x".repeat(3000)),
        13 => format!(
            "{t} json {{\"msg\":\"quote \\\" backslash \\\\ newline \\n tab \\t\",\"nested\":{{\"ansi\":\"\\u001b[31m\"}}}}"
        ),
        14 => "                                                                                "
            .to_string(),
        _ => format!("{t} noisy heartbeat {k}"),
    }
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    let mut p = Plan::new();
    p.step(0, |at| {
        format!(
            "{} INFO noisy demo container starting (hostile output on purpose)",
            iso_ms(at)
        )
    });
    for k in 0..16u64 {
        p.step(50, move |at| sample(at, k));
    }
    p.step(50, |at| long_line(at, 0));
    // Every 500th slot repeats the long line; a huge window of 10k lines stays a few MB.
    p.beat(2_000, |k, _, at| {
        if k % 500 == 250 {
            long_line(at, k)
        } else {
            sample(at, k)
        }
    });
    let _ = ctx;
    p
}
