//! The built-in shell `pods/exec` runs in a simulated container, which has no processes: a
//! few commands (`echo`, `env`, `ls` and `cat` of the files its volumes mount, `hostname`,
//! `pwd`, `cd`, `exit`, `true`, `false`, `sh -c`) over a view of the container, with `;`,
//! `&&` and `||`, quotes and `$VAR`. Messages and exit codes are busybox `sh`'s, so what a
//! user or test sees reads like a small real image. Pure: bytes in, bytes out.

use std::collections::{BTreeMap, BTreeSet};

/// What a command can see of its container.
#[derive(Clone, Debug, Default)]
pub struct Container {
    pub hostname: String,
    /// The working directory a session starts in (`workingDir`, else `/`).
    pub workdir: String,
    /// The process environment, in the order `env` prints it.
    pub env: Vec<(String, String)>,
    /// Files by absolute path.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Directories that exist besides the ancestors of `files` (empty mounts).
    pub dirs: BTreeSet<String>,
}

/// The directories every simulated image has.
const BASE_DIRS: [&str; 11] = [
    "/", "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/sys", "/tmp", "/usr", "/var",
];

/// What one run of the shell wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// On a terminal both streams are one: errors go to `stdout`, in order.
    pub merged: bool,
}

impl Output {
    /// An empty output; `merged` for a terminal.
    pub fn new(merged: bool) -> Output {
        Output {
            merged,
            ..Output::default()
        }
    }
    fn out(&mut self, s: &str) {
        self.stdout.extend_from_slice(s.as_bytes());
    }
    fn err(&mut self, s: &str) {
        if self.merged {
            self.stdout.extend_from_slice(s.as_bytes());
        } else {
            self.stderr.extend_from_slice(s.as_bytes());
        }
    }
}

/// Whether the shell goes on after a command or has exited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    Continue(i32),
    Exit(i32),
}

impl Flow {
    pub fn code(self) -> i32 {
        match self {
            Flow::Continue(c) | Flow::Exit(c) => c,
        }
    }
}

/// A shell's mutable state: where it is and how the last command ended (`$?`).
#[derive(Clone, Debug)]
pub struct ShellState {
    pub cwd: String,
    pub last: i32,
}

/// Names a shell program (`sh`, `/bin/bash`…), which reads commands from stdin or `-c`.
pub fn is_shell(program: &str) -> bool {
    matches!(
        program.rsplit('/').next().unwrap_or(program),
        "sh" | "bash" | "ash" | "dash"
    )
}

/// Whether `program` is something the container can run (a builtin or a command it has).
pub fn is_known(program: &str) -> bool {
    is_shell(program)
        || matches!(
            program.rsplit('/').next().unwrap_or(program),
            "echo"
                | "env"
                | "printenv"
                | "ls"
                | "cat"
                | "hostname"
                | "pwd"
                | "cd"
                | "exit"
                | "true"
                | "false"
        )
}

impl Container {
    pub fn state(&self) -> ShellState {
        ShellState {
            cwd: if self.workdir.is_empty() {
                "/".to_string()
            } else {
                self.workdir.clone()
            },
            last: 0,
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn is_dir(&self, path: &str) -> bool {
        BASE_DIRS.contains(&path)
            || self.dirs.contains(path)
            || self.files.keys().any(|f| parent_of(f, path))
            || self.dirs.iter().any(|d| parent_of(d, path))
    }

    /// The names directly inside directory `dir`, sorted.
    fn children(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        let all = BASE_DIRS
            .iter()
            .map(|d| d.to_string())
            .chain(self.dirs.iter().cloned())
            .chain(self.files.keys().cloned());
        let names: BTreeSet<String> = all
            .filter_map(|p| {
                let rest = p.strip_prefix(&prefix)?;
                rest.split('/')
                    .next()
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
            })
            .collect();
        names.into_iter().collect()
    }

    /// Runs one command line (`a; b && c || d`).
    pub fn run_line(&self, line: &str, st: &mut ShellState, out: &mut Output) -> Flow {
        let pipeline = match parse(line, self) {
            Ok(p) => p,
            Err(why) => {
                out.err(&format!("sh: {why}\n"));
                st.last = 2;
                return Flow::Continue(2);
            }
        };
        for (op, argv) in pipeline {
            let go = match op {
                Op::Seq => true,
                Op::And => st.last == 0,
                Op::Or => st.last != 0,
            };
            if !go || argv.is_empty() {
                continue;
            }
            let status = st.last.to_string();
            let argv: Vec<String> = argv
                .iter()
                .map(|w| w.replace(LAST_STATUS, &status))
                .collect();
            match self.run(&argv, st, out) {
                Flow::Exit(c) => return Flow::Exit(c),
                Flow::Continue(c) => st.last = c,
            }
        }
        Flow::Continue(st.last)
    }

    /// Runs one command vector, as exec's `command` parameters or a parsed line give it.
    pub fn run(&self, argv: &[String], st: &mut ShellState, out: &mut Output) -> Flow {
        let Some(program) = argv.first() else {
            return Flow::Continue(0);
        };
        let args = &argv[1..];
        let name = program.rsplit('/').next().unwrap_or(program);
        let code = match name {
            _ if is_shell(program) => return self.run_shell(args, st, out),
            "exit" => {
                return match args.first().map(|a| a.parse::<i32>()) {
                    None => Flow::Exit(st.last),
                    Some(Ok(n)) => Flow::Exit(n & 0xff),
                    Some(Err(_)) => {
                        out.err(&format!("sh: exit: Illegal number: {}\n", args[0]));
                        Flow::Exit(2)
                    }
                };
            }
            "true" => 0,
            "false" => 1,
            "echo" => {
                let (newline, words) = match args.first().map(String::as_str) {
                    Some("-n") => (false, &args[1..]),
                    _ => (true, args),
                };
                out.out(&words.join(" "));
                if newline {
                    out.out("\n");
                }
                0
            }
            "env" => {
                for (k, v) in &self.env {
                    out.out(&format!("{k}={v}\n"));
                }
                0
            }
            "printenv" if args.is_empty() => {
                for (k, v) in &self.env {
                    out.out(&format!("{k}={v}\n"));
                }
                0
            }
            "printenv" => {
                let mut code = 0;
                for name in args {
                    match self.var(name) {
                        Some(v) => out.out(&format!("{v}\n")),
                        None => code = 1,
                    }
                }
                code
            }
            "hostname" => {
                out.out(&format!("{}\n", self.hostname));
                0
            }
            "pwd" => {
                out.out(&format!("{}\n", st.cwd));
                0
            }
            "cd" => {
                let target = args.first().map(String::as_str).unwrap_or("/root");
                let path = resolve(&st.cwd, target);
                if self.is_dir(&path) {
                    st.cwd = path;
                    0
                } else {
                    out.err(&format!(
                        "sh: cd: can't cd to {target}: No such file or directory\n"
                    ));
                    2
                }
            }
            "cat" => self.cat(args, st, out),
            "ls" => self.ls(args, st, out),
            _ => {
                out.err(&format!("sh: {program}: not found\n"));
                127
            }
        };
        Flow::Continue(code)
    }

    /// `sh -c 'cmd' [argv0 args…]` runs the string; `sh` alone has no input here (a session
    /// feeds it line by line instead, see [`Session`]).
    fn run_shell(&self, args: &[String], st: &mut ShellState, out: &mut Output) -> Flow {
        let mut rest = args.iter().skip_while(|a| *a != "-c");
        if rest.next().is_none() {
            return Flow::Continue(0);
        }
        let Some(script) = rest.next() else {
            out.err("sh: -c requires an argument\n");
            return Flow::Continue(2);
        };
        // `exit` leaves the `sh -c` it is in, not the shell around it.
        let mut inner = st.clone();
        Flow::Continue(self.run_line(script, &mut inner, out).code())
    }

    fn cat(&self, args: &[String], st: &ShellState, out: &mut Output) -> i32 {
        let mut code = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&st.cwd, a);
            if let Some(bytes) = self.files.get(&path) {
                out.stdout.extend_from_slice(bytes);
            } else if self.is_dir(&path) {
                out.err("cat: read error: Is a directory\n");
                code = 1;
            } else {
                out.err(&format!(
                    "cat: can't open '{a}': No such file or directory\n"
                ));
                code = 1;
            }
        }
        code
    }

    fn ls(&self, args: &[String], st: &ShellState, out: &mut Output) -> i32 {
        let mut paths: Vec<&str> = args
            .iter()
            .filter(|a| !a.starts_with('-'))
            .map(String::as_str)
            .collect();
        if paths.is_empty() {
            paths.push(".");
        }
        let many = paths.len() > 1;
        let mut code = 0;
        let mut first = true;
        for a in paths {
            let path = resolve(&st.cwd, a);
            if self.files.contains_key(&path) {
                out.out(&format!("{a}\n"));
            } else if self.is_dir(&path) {
                if many {
                    out.out(&format!("{}{a}:\n", if first { "" } else { "\n" }));
                }
                for child in self.children(&path) {
                    out.out(&format!("{child}\n"));
                }
            } else {
                out.err(&format!("ls: {a}: No such file or directory\n"));
                code = 1;
            }
            first = false;
        }
        code
    }
}

/// Whether `path` is directly or indirectly inside `dir`.
fn parent_of(path: &str, dir: &str) -> bool {
    if dir == "/" {
        return path.starts_with('/') && path.len() > 1;
    }
    path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// `target` made absolute against `cwd`, with `.` and `..` folded.
pub fn resolve(cwd: &str, target: &str) -> String {
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{cwd}/{target}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for p in joined.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Stands for `$?` in parsed words until the command runs: `false; echo $?` must see the
/// status of `false`, which a line parsed up front does not know yet. NUL cannot be part of
/// an argument (shells drop it from input too), so it never means anything else.
const LAST_STATUS: char = '\0';

/// How a command joins the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Seq,
    And,
    Or,
}

/// Splits a line into commands and words: quotes, backslashes, `$NAME`, `${NAME}` and `$?`,
/// `#` comments. Pipes, redirections and substitutions are refused by name rather than
/// misread.
fn parse(line: &str, c: &Container) -> Result<Vec<(Op, Vec<String>)>, String> {
    let mut out = vec![(Op::Seq, Vec::new())];
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let push_word = |out: &mut Vec<(Op, Vec<String>)>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            if let Some((_, argv)) = out.last_mut() {
                argv.push(std::mem::take(word));
            }
            *in_word = false;
        }
    };
    let expand =
        |chars: &mut std::iter::Peekable<std::str::Chars>, word: &mut String| match chars.peek() {
            Some('?') => {
                chars.next();
                word.push(LAST_STATUS);
            }
            Some('{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|ch| *ch != '}').collect();
                word.push_str(c.var(&name).unwrap_or_default());
            }
            Some(ch) if ch.is_ascii_alphabetic() || *ch == '_' => {
                let mut name = String::new();
                while let Some(ch) = chars
                    .peek()
                    .filter(|ch| ch.is_ascii_alphanumeric() || **ch == '_')
                {
                    name.push(*ch);
                    chars.next();
                }
                word.push_str(c.var(&name).unwrap_or_default());
            }
            _ => word.push('$'),
        };
    while let Some(ch) = chars.next() {
        match ch {
            LAST_STATUS => {}
            ' ' | '\t' | '\r' | '\n' => push_word(&mut out, &mut word, &mut in_word),
            '#' if !in_word => break,
            ';' => {
                push_word(&mut out, &mut word, &mut in_word);
                out.push((Op::Seq, Vec::new()));
            }
            '&' if chars.peek() == Some(&'&') => {
                chars.next();
                push_word(&mut out, &mut word, &mut in_word);
                out.push((Op::And, Vec::new()));
            }
            '|' if chars.peek() == Some(&'|') => {
                chars.next();
                push_word(&mut out, &mut word, &mut in_word);
                out.push((Op::Or, Vec::new()));
            }
            '|' | '&' | '<' | '>' | '`' | '(' | ')' => {
                return Err(format!(
                    "syntax error: {ch:?} is not supported by the simulator's built-in shell"
                ));
            }
            '\'' => {
                in_word = true;
                let mut closed = false;
                for ch in chars.by_ref() {
                    if ch == '\'' {
                        closed = true;
                        break;
                    }
                    word.push(ch);
                }
                if !closed {
                    return Err("syntax error: unterminated quoted string".into());
                }
            }
            '"' => {
                in_word = true;
                let mut closed = false;
                while let Some(ch) = chars.next() {
                    match ch {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$')) => {
                            word.extend(chars.next());
                        }
                        '$' if chars.peek() == Some(&'(') => {
                            return Err("syntax error: \"$(\" is not supported by the simulator's built-in shell".into());
                        }
                        '$' => expand(&mut chars, &mut word),
                        ch => word.push(ch),
                    }
                }
                if !closed {
                    return Err("syntax error: unterminated quoted string".into());
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            '$' if chars.peek() == Some(&'(') => {
                return Err(
                    "syntax error: \"$(\" is not supported by the simulator's built-in shell"
                        .into(),
                );
            }
            '$' => {
                in_word = true;
                expand(&mut chars, &mut word);
            }
            ch => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    push_word(&mut out, &mut word, &mut in_word);
    Ok(out)
}

/// An interactive shell fed from stdin. With a terminal (`tty`) it echoes what is typed,
/// edits the line (backspace, Ctrl-C, Ctrl-D) and prompts `$ `, as a shell on a terminal
/// does; without one it reads lines silently, as `echo 'ls' | sh` does.
pub struct Session {
    container: Container,
    state: ShellState,
    tty: bool,
    prompt: bool,
    line: Vec<u8>,
    after_cr: bool,
}

/// What feeding a session produced.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub output: Output,
    /// Set when the shell exited, with its exit code.
    pub exit: Option<i32>,
}

impl Session {
    /// A session of `sh` run with `args` (`-i` prompts even without a terminal).
    pub fn new(container: Container, tty: bool, args: &[String]) -> Session {
        let state = container.state();
        Session {
            container,
            state,
            tty,
            prompt: tty || args.iter().any(|a| a == "-i"),
            line: Vec::new(),
            after_cr: false,
        }
    }

    /// What the shell writes before reading anything: its first prompt.
    pub fn start(&self) -> Output {
        let mut out = Output::new(self.tty);
        self.write_prompt(&mut out);
        self.finish(Step {
            output: out,
            exit: None,
        })
        .output
    }

    fn write_prompt(&self, out: &mut Output) {
        if self.prompt {
            // A shell prompts on stderr (on a terminal, the one stream).
            out.err("$ ");
        }
    }

    /// Feeds bytes from stdin; runs every line they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Step {
        let mut step = self.step();
        for &b in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match b {
                b'\n' if after_cr => {
                    // The `\n` of a `\r\n` pair: its line ran at the `\r`.
                }
                b'\r' | b'\n' => {
                    self.after_cr = b == b'\r';
                    if self.tty {
                        step.output.out("\r\n");
                    }
                    if let Some(code) = self.run_pending(&mut step.output) {
                        step.exit = Some(code);
                        return self.finish(step);
                    }
                }
                0x7f | 0x08 if self.tty => {
                    if self.line.pop().is_some() {
                        step.output.out("\x08 \x08");
                    }
                }
                0x03 if self.tty => {
                    self.line.clear();
                    self.state.last = 130;
                    step.output.out("^C\r\n");
                    self.write_prompt(&mut step.output);
                }
                0x04 if self.tty && self.line.is_empty() => {
                    step.exit = Some(self.state.last);
                    return self.finish(step);
                }
                b => {
                    self.line.push(b);
                    if self.tty {
                        step.output.stdout.push(b);
                    }
                }
            }
        }
        self.finish(step)
    }

    /// Stdin closed: a last unterminated line runs, then the shell exits as its last
    /// command did.
    pub fn end_of_input(&mut self) -> Step {
        let mut step = self.step();
        let code = if self.line.is_empty() {
            None
        } else {
            self.run_pending(&mut step.output)
        };
        step.exit = Some(code.unwrap_or(self.state.last));
        self.finish(step)
    }

    /// Runs the buffered line; `Some(code)` when it exited the shell. Prompts again
    /// otherwise.
    fn run_pending(&mut self, out: &mut Output) -> Option<i32> {
        let line = String::from_utf8_lossy(&std::mem::take(&mut self.line)).into_owned();
        match self.container.run_line(&line, &mut self.state, out) {
            Flow::Exit(code) => Some(code),
            Flow::Continue(_) => {
                self.write_prompt(out);
                None
            }
        }
    }

    fn step(&self) -> Step {
        Step {
            output: Output::new(self.tty),
            exit: None,
        }
    }

    /// On a terminal, lines end in `\r\n`.
    fn finish(&self, mut step: Step) -> Step {
        if self.tty {
            step.output.stdout = terminal_lines(&step.output.stdout);
        }
        step
    }
}

/// Output as a terminal delivers it: `\n` as `\r\n`.
pub fn terminal_lines(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container() -> Container {
        Container {
            hostname: "web-0".into(),
            workdir: String::new(),
            env: vec![
                ("PATH".into(), "/usr/bin:/bin".into()),
                ("MODE".into(), "prod".into()),
            ],
            files: BTreeMap::from([
                ("/etc/app/mode".into(), b"prod".to_vec()),
                ("/etc/app/url".into(), b"http://x".to_vec()),
            ]),
            dirs: BTreeSet::from(["/data".to_string()]),
        }
    }

    fn sh(line: &str) -> (String, String, Flow) {
        let c = container();
        let mut st = c.state();
        let mut out = Output::new(false);
        let flow = c.run_line(line, &mut st, &mut out);
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
            flow,
        )
    }

    #[test]
    fn commands_print_and_end_as_busybox_does() {
        assert_eq!(sh("echo hi there").0, "hi there\n");
        assert_eq!(sh("echo -n hi").0, "hi");
        assert_eq!(
            sh("echo \"$MODE\" '$MODE' ${MODE}x").0,
            "prod $MODE prodx\n"
        );
        assert_eq!(sh("hostname; pwd").0, "web-0\n/\n");
        assert_eq!(sh("env").0, "PATH=/usr/bin:/bin\nMODE=prod\n");
        assert_eq!(sh("printenv MODE").0, "prod\n");
        assert_eq!(sh("exit 3").2, Flow::Exit(3));
        assert_eq!(sh("false").2, Flow::Continue(1));
        let (_, err, flow) = sh("psql -c 1");
        assert_eq!(err, "sh: psql: not found\n");
        assert_eq!(flow, Flow::Continue(127));
    }

    #[test]
    fn lists_chain_on_exit_codes() {
        assert_eq!(sh("false && echo no || echo yes").0, "yes\n");
        assert_eq!(sh("true && echo a; echo $?").0, "a\n0\n");
        assert_eq!(sh("false; echo $?").0, "1\n");
        assert_eq!(sh("echo a # comment").0, "a\n");
        // `exit` inside `sh -c` ends that shell only.
        assert_eq!(sh("sh -c 'exit 4'; echo $?").0, "4\n");
        let (_, err, flow) = sh("ls | wc -l");
        assert!(err.contains("not supported"), "{err}");
        assert_eq!(flow, Flow::Continue(2));
    }

    #[test]
    fn mounted_files_are_listed_and_read() {
        assert_eq!(sh("cat /etc/app/mode").0, "prod");
        assert_eq!(sh("ls /etc/app").0, "mode\nurl\n");
        assert_eq!(
            sh("cd /etc/app && cat ./url && pwd").0,
            "http://x/etc/app\n"
        );
        assert!(sh("ls /").0.contains("data\n"));
        assert_eq!(sh("ls /data").0, "");
        let (_, err, flow) = sh("cat /etc/app/nope");
        assert_eq!(
            err,
            "cat: can't open '/etc/app/nope': No such file or directory\n"
        );
        assert_eq!(flow, Flow::Continue(1));
        let (_, err, flow) = sh("ls /nowhere");
        assert_eq!(err, "ls: /nowhere: No such file or directory\n");
        assert_eq!(flow, Flow::Continue(1));
        assert_eq!(resolve("/a/b", "../c/./d"), "/a/c/d");
    }

    #[test]
    fn a_piped_session_runs_lines_until_exit() {
        let mut s = Session::new(container(), false, &[]);
        assert_eq!(s.start(), Output::default());
        let step = s.feed(b"echo one\nhost");
        assert_eq!(step.output.stdout, b"one\n");
        assert_eq!(step.exit, None);
        let step = s.feed(b"name\nexit 5\necho never\n");
        assert_eq!(step.output.stdout, b"web-0\n");
        assert_eq!(step.exit, Some(5));
    }

    #[test]
    fn stdin_closing_ends_a_session_with_the_last_code() {
        let mut s = Session::new(container(), false, &[]);
        s.feed(b"false\n");
        let step = s.end_of_input();
        assert_eq!(step.exit, Some(1));
        let mut s = Session::new(container(), false, &[]);
        let step = s.feed(b"cat /nope");
        assert!(step.output.stderr.is_empty());
        let step = s.end_of_input();
        assert!(!step.output.stderr.is_empty());
        assert_eq!(step.exit, Some(1));
    }

    #[test]
    fn a_terminal_session_echoes_edits_and_prompts() {
        let mut s = Session::new(container(), true, &[]);
        assert_eq!(s.start().stdout, b"$ ");
        let step = s.feed(b"echo hx\x7fi\r");
        assert_eq!(
            String::from_utf8(step.output.stdout).unwrap(),
            "echo hx\x08 \x08i\r\nhi\r\n$ "
        );
        let step = s.feed(b"nope\r");
        assert_eq!(
            String::from_utf8(step.output.stdout).unwrap(),
            "nope\r\nsh: nope: not found\r\n$ "
        );
        let step = s.feed(b"\x04");
        assert_eq!(step.exit, Some(127));
    }
}
