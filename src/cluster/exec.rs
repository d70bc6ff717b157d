//! A shell in a container over `pods/exec` (kube-rs, WebSocket): opened with a terminal
//! (`sh`, else `bash`, else `/bin/sh`), and the pump that carries bytes both ways until the
//! shell ends, with its exit code. The pump is generic over any byte streams, so it is tested
//! without a terminal; the cockpit hands it the real one.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Client;
use kube::api::{Api, AttachParams, AttachedProcess, TerminalSize};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

/// The shells tried, in order, as k9s does.
pub const SHELLS: [&str; 3] = ["sh", "bash", "/bin/sh"];

/// How long a shell that cannot start takes to say so (the exec's status arrives at once).
const START_GRACE: Duration = Duration::from_millis(300);

/// What a shell's exec ends with (its exit status), while it runs.
type Ending = Pin<Box<dyn Future<Output = Option<Status>> + Send>>;

/// A running exec and the status it will end with.
pub struct Shell {
    process: AttachedProcess,
    ending: Option<Ending>,
}

impl Shell {
    pub fn new(mut process: AttachedProcess) -> Shell {
        let ending = process
            .take_status()
            .map(|status| Box::pin(status) as Ending);
        Shell { process, ending }
    }

    /// Sends the terminal's size (on start and on every resize).
    pub fn resizer(&mut self) -> Option<futures::channel::mpsc::Sender<TerminalSize>> {
        self.process.terminal_size()
    }
}

/// The first container of `pod` a shell can start in when none is named: its containers'
/// names, in order.
pub async fn containers(
    client: &Client,
    namespace: &str,
    pod: &str,
) -> Result<Vec<String>, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = pods
        .get(pod)
        .await
        .map_err(|e| format!("cannot read pod {pod}: {}", super::with_causes(&e)))?;
    Ok(pod
        .spec
        .map(|s| s.containers.into_iter().map(|c| c.name).collect())
        .unwrap_or_default())
}

/// Opens an interactive shell with a terminal of `size` (columns, rows) in `container`: the first of
/// [`SHELLS`] that starts.
pub async fn open(
    client: &Client,
    namespace: &str,
    pod: &str,
    container: &str,
    size: Option<(u16, u16)>,
) -> Result<Shell, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = AttachParams::interactive_tty().container(container);
    let mut last = String::new();
    for shell in SHELLS {
        let process = pods
            .exec(pod, vec![shell], &params)
            .await
            .map_err(|e| format!("cannot exec in {pod}: {}", super::with_causes(&e)))?;
        let mut opened = Shell::new(process);
        if let (Some((width, height)), Some(mut sizes)) = (size, opened.resizer()) {
            use futures::SinkExt;
            let _ = sizes.send(TerminalSize { width, height }).await;
        }
        // A shell that is not there fails at once; one that runs says nothing yet.
        let Some(ending) = opened.ending.as_mut() else {
            return Ok(opened);
        };
        match tokio::time::timeout(START_GRACE, ending).await {
            Err(_) => return Ok(opened),
            Ok(status) => last = format!("{shell}: {}", said(status.as_ref())),
        }
    }
    Err(format!("no shell starts in {pod}/{container} ({last})"))
}

/// What a finished exec's status says, for the operator.
fn said(status: Option<&Status>) -> String {
    match exit_code(status) {
        Some(0) => "ended".into(),
        Some(code) => format!("exit {code}"),
        None => status
            .and_then(|s| s.message.clone())
            .unwrap_or_else(|| "ended without a status".into()),
    }
}

/// The exit code a status reports: 0 on success, the `ExitCode` cause otherwise.
pub fn exit_code(status: Option<&Status>) -> Option<i32> {
    let status = status?;
    if status.status.as_deref() == Some("Success") {
        return Some(0);
    }
    status
        .details
        .as_ref()?
        .causes
        .as_ref()?
        .iter()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))?
        .message
        .as_deref()?
        .parse()
        .ok()
}

/// Carries `input` to the shell and the shell's output to `output` until the shell ends;
/// its exit code (`None`: it ended without saying). Input that ends closes the shell's
/// stdin (as a closed terminal would).
pub async fn pump<I, O>(shell: Shell, mut input: I, mut output: O) -> Result<Option<i32>, String>
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let Shell {
        mut process,
        ending,
    } = shell;
    let mut stdin = process
        .stdin()
        .ok_or("the shell has no stdin (the exec was opened without one)")?;
    let mut stdout = process.stdout().ok_or("the shell has no stdout")?;
    let from_shell = async {
        let copied = tokio::io::copy(&mut stdout, &mut output).await;
        let _ = output.flush().await;
        copied
    };
    let to_shell = async {
        let _ = tokio::io::copy(&mut input, &mut stdin).await;
        let _ = stdin.shutdown().await;
        // The shell decides when the session ends.
        std::future::pending::<()>().await
    };
    tokio::select! {
        copied = from_shell => {
            copied.map_err(|e| format!("the shell's output broke off: {e}"))?;
        }
        () = to_shell => {}
    }
    let status = match ending {
        Some(ending) => tokio::time::timeout(Duration::from_secs(5), ending)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let _ = process.join().await;
    Ok(exit_code(status.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exit_code_is_read_from_the_status() {
        let status: Status = serde_json::from_value(serde_json::json!({
            "status": "Failure", "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}
        }))
        .unwrap();
        assert_eq!(exit_code(Some(&status)), Some(3));
        let ok: Status = serde_json::from_value(serde_json::json!({"status": "Success"})).unwrap();
        assert_eq!(exit_code(Some(&ok)), Some(0));
        assert_eq!(exit_code(None), None);
    }
}
