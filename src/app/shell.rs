//! The terminal handed to a shell in a container (`x` on a pod): keys go to the shell as
//! typed (raw mode), its output straight to the screen, the window's size follows; when the
//! shell ends the cockpit takes the terminal back where the operator was.

use kube::Client;

use crate::cluster::exec;

/// Runs the shell on the real terminal (the alternate screen already left by the caller);
/// what to tell the operator once the cockpit is back.
pub async fn run(client: &Client, namespace: &str, pod: &str, container: &str) -> String {
    let place = format!("{namespace}/{pod} ({container})");
    match session(client, namespace, pod, container).await {
        Ok(Some(0)) => format!("the shell in {place} ended"),
        Ok(Some(code)) => format!("the shell in {place} ended with exit code {code}"),
        Ok(None) => format!("the shell in {place} ended"),
        Err(error) => format!("shell in {place}: {error}"),
    }
}

#[cfg(unix)]
async fn session(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
) -> Result<Option<i32>, String> {
    use std::io::Write;
    let _ = crossterm::terminal::enable_raw_mode();
    {
        let mut out = std::io::stdout().lock();
        let _ = write!(
            out,
            "\r\n[strata] shell in {namespace}/{pod} ({container}); exit it to come back\r\n"
        );
        let _ = out.flush();
    }
    let size = crossterm::terminal::size().ok();
    let mut shell = exec::open(client, namespace, pod, container, size).await;
    let resizing = shell
        .as_mut()
        .ok()
        .and_then(exec::Shell::resizer)
        .map(|sizes| tokio::spawn(follow_size(sizes)));
    let result = match shell {
        Ok(shell) => {
            let keys = keys::Keys::start();
            let ended = exec::pump(shell, keys.reader, tokio::io::stdout()).await;
            keys.stop.store(true, std::sync::atomic::Ordering::Relaxed);
            let _ = keys.thread.join();
            ended
        }
        Err(error) => Err(error),
    };
    if let Some(task) = resizing {
        task.abort();
    }
    result
}

#[cfg(not(unix))]
async fn session(_: &Client, _: &str, _: &str, _: &str) -> Result<Option<i32>, String> {
    Err("a shell needs a Unix terminal".into())
}

/// Sends the window's size to the shell on every resize (SIGWINCH).
#[cfg(unix)]
async fn follow_size(mut sizes: futures::channel::mpsc::Sender<kube::api::TerminalSize>) {
    use futures::SinkExt;
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut resized) = signal(SignalKind::window_change()) else {
        return;
    };
    while resized.recv().await.is_some() {
        if let Ok((width, height)) = crossterm::terminal::size()
            && sizes
                .send(kube::api::TerminalSize { width, height })
                .await
                .is_err()
        {
            return;
        }
    }
}

/// The terminal's keys as bytes, read with a timeout so the reader stops when told: a read
/// left blocked on stdin would swallow the cockpit's next key.
#[cfg(unix)]
mod keys {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use tokio::io::AsyncWriteExt;

    pub struct Keys {
        pub reader: tokio::io::DuplexStream,
        pub stop: Arc<AtomicBool>,
        pub thread: std::thread::JoinHandle<()>,
    }

    impl Keys {
        pub fn start() -> Keys {
            let (mut writer, reader) = tokio::io::duplex(4096);
            let stop = Arc::new(AtomicBool::new(false));
            let stopped = stop.clone();
            let runtime = tokio::runtime::Handle::current();
            let thread = std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                while !stopped.load(Ordering::Relaxed) {
                    let mut fds = libc::pollfd {
                        fd: libc::STDIN_FILENO,
                        events: libc::POLLIN,
                        revents: 0,
                    };
                    // SAFETY: one valid pollfd, its count, a timeout; nothing else is touched.
                    let ready = unsafe { libc::poll(&mut fds, 1, 50) };
                    if ready <= 0 {
                        continue;
                    }
                    // SAFETY: reads at most buf.len() bytes into buf, which outlives the call.
                    let n = unsafe {
                        libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len())
                    };
                    let Ok(n) = usize::try_from(n) else { break };
                    if n == 0 || runtime.block_on(writer.write_all(&buf[..n])).is_err() {
                        break;
                    }
                }
            });
            Keys {
                reader,
                stop,
                thread,
            }
        }
    }
}
