//! Every request Strata sends to Airbyte's public API v1, built as data (method, path, query,
//! JSON body) before it goes on the wire, so tests can check each one.

use http::Method;
use serde_json::{Value, json};

use crate::tools::connector::{HttpCall, encode, request_target};

/// The public API's prefix on the server (`airbyte-server`, port 8001).
pub const PREFIX: &str = "/api/public/v1";

/// What a request does, for messages and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    Token,
    ListConnections,
    ListJobs,
    StartSync,
    GetJob,
}

/// One HTTP request to Airbyte, before it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    pub operation: Operation,
    pub method: Method,
    /// The path with its parameters filled in and percent-encoded.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<Value>,
    /// Whether the request carries the Bearer token (the token request itself does not).
    pub authenticated: bool,
    /// What the request does, in words, for error messages: "start a sync of connection …".
    pub action: String,
    /// What a 404 means: "connection …", "job 30001".
    pub subject: String,
}

impl ApiRequest {
    fn new(operation: Operation, method: Method, path: String, action: String) -> Self {
        Self {
            operation,
            method,
            path,
            query: Vec::new(),
            body: None,
            authenticated: true,
            action,
            subject: String::new(),
        }
    }

    fn query(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, value.to_string()));
        self
    }

    fn subject(mut self, subject: String) -> Self {
        self.subject = subject;
        self
    }

    /// The request target: path and query, percent-encoded.
    pub fn target(&self) -> String {
        request_target(&self.path, &self.query)
    }
}

impl HttpCall for ApiRequest {
    fn method(&self) -> &Method {
        &self.method
    }
    fn target(&self) -> String {
        ApiRequest::target(self)
    }
    fn accept(&self) -> &str {
        "application/json"
    }
    fn body(&self) -> Option<&Value> {
        self.body.as_ref()
    }
    fn action(&self) -> &str {
        &self.action
    }
}

/// `POST /applications/token` with an application's client id and secret (the body holds the
/// secret, so this request is never logged or shown). The spec spells the grant type both
/// `grant-type` and `grant_type`; the server defaults it, so it is left out.
pub(crate) fn token(client_id: &str, client_secret: &str) -> ApiRequest {
    let mut request = ApiRequest::new(
        Operation::Token,
        Method::POST,
        format!("{PREFIX}/applications/token"),
        "sign in".into(),
    )
    .subject(format!("the token endpoint {PREFIX}/applications/token"));
    request.body = Some(json!({ "client_id": client_id, "client_secret": client_secret }));
    request.authenticated = false;
    request
}

/// A page of connections (the API's pages hold at most 100).
pub fn list_connections(limit: u32, offset: u32) -> ApiRequest {
    ApiRequest::new(
        Operation::ListConnections,
        Method::GET,
        format!("{PREFIX}/connections"),
        "list the connections".into(),
    )
    .subject("the connections endpoint".into())
    .query("limit", limit)
    .query("offset", offset)
}

/// The newest `limit` jobs of a connection, newest first (asked for explicitly: the default
/// order is not part of the API's contract).
pub fn list_jobs(connection_id: &str, limit: u32) -> ApiRequest {
    ApiRequest::new(
        Operation::ListJobs,
        Method::GET,
        format!("{PREFIX}/jobs"),
        format!("list the jobs of connection {connection_id}"),
    )
    .subject(format!("connection {connection_id}"))
    .query("connectionId", connection_id)
    .query("limit", limit)
    .query("orderBy", "createdAt|DESC")
}

/// `POST /jobs` `{connectionId, jobType: "sync"}`: a sync now.
pub fn start_sync(connection_id: &str) -> ApiRequest {
    let mut request = ApiRequest::new(
        Operation::StartSync,
        Method::POST,
        format!("{PREFIX}/jobs"),
        format!("start a sync of connection {connection_id}"),
    )
    .subject(format!("connection {connection_id}"));
    request.body = Some(json!({ "connectionId": connection_id, "jobType": "sync" }));
    request
}

pub fn get_job(job_id: i64) -> ApiRequest {
    ApiRequest::new(
        Operation::GetJob,
        Method::GET,
        format!("{PREFIX}/jobs/{}", encode(&job_id.to_string())),
        format!("read job {job_id}"),
    )
    .subject(format!("job {job_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sync_is_a_post_of_the_connection_and_the_job_type() {
        let request = start_sync("8648aa33-19f9-4918-a664-c9a53603cdd7");
        assert_eq!(request.method, Method::POST);
        assert_eq!(request.target(), "/api/public/v1/jobs");
        assert_eq!(
            request.body,
            Some(
                json!({"connectionId": "8648aa33-19f9-4918-a664-c9a53603cdd7", "jobType": "sync"})
            )
        );
        assert!(request.authenticated);
    }

    #[test]
    fn the_last_job_is_asked_for_newest_first() {
        assert_eq!(
            list_jobs("c-1", 1).target(),
            "/api/public/v1/jobs?connectionId=c-1&limit=1&orderBy=createdAt%7CDESC"
        );
        assert_eq!(get_job(30001).target(), "/api/public/v1/jobs/30001");
        assert_eq!(
            list_connections(100, 200).target(),
            "/api/public/v1/connections?limit=100&offset=200"
        );
    }

    #[test]
    fn the_token_request_is_not_authenticated_and_hides_nothing_in_its_action() {
        let request = token("id", "s3cret");
        assert!(!request.authenticated);
        assert_eq!(request.body.as_ref().unwrap()["client_secret"], "s3cret");
        assert!(!request.action.contains("s3cret") && !request.subject.contains("s3cret"));
    }
}
