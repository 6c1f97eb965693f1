//! The HTTP client the Meilisearch SDK talks through. The SDK's own reqwest client streams
//! every request body (a search, a batch of documents) through a freshly zero-filled
//! 8 MiB buffer: megabytes of memset per call, a large share of a search's CPU on a busy
//! instance. This one sends each body as the bytes it is, and is otherwise the same:
//! reqwest, pooled connections, the key as a Bearer token.

use async_trait::async_trait;
use meilisearch_sdk::errors::Error;
use meilisearch_sdk::request::{parse_response, HttpClient, Method};
use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct MeiliHttp {
    client: reqwest::Client,
}

impl MeiliHttp {
    pub fn new(key: Option<&str>) -> anyhow::Result<MeiliHttp> {
        use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, USER_AGENT};
        let mut headers = HeaderMap::new();
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("Staffroom/", env!("CARGO_PKG_VERSION"))),
        );
        if let Some(key) = key {
            let mut value = HeaderValue::from_str(&format!("Bearer {key}"))?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        Ok(MeiliHttp {
            client: reqwest::Client::builder()
                .default_headers(headers)
                .build()?,
        })
    }

    /// Sends `method` to `url` with `query` (as `?a=b`, or empty) and `body`.
    async fn send(
        &self,
        url: &str,
        method: reqwest::Method,
        query: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<(u16, String), Error> {
        let mut request = self.client.request(method, format!("{url}{query}"));
        if let Some((bytes, content_type)) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(bytes);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        Ok((
            status,
            if text.is_empty() {
                "null".to_owned()
            } else {
                text
            },
        ))
    }
}

fn verb<Q, B>(method: &Method<Q, B>) -> reqwest::Method {
    match method {
        Method::Get { .. } => reqwest::Method::GET,
        Method::Delete { .. } => reqwest::Method::DELETE,
        Method::Post { .. } => reqwest::Method::POST,
        Method::Put { .. } => reqwest::Method::PUT,
        Method::Patch { .. } => reqwest::Method::PATCH,
    }
}

#[async_trait]
impl HttpClient for MeiliHttp {
    async fn request<Query, Body, Output>(
        &self,
        url: &str,
        method: Method<Query, Body>,
        expected_status_code: u16,
    ) -> Result<Output, Error>
    where
        Query: Serialize + Send + Sync,
        Body: Serialize + Send + Sync,
        Output: DeserializeOwned + 'static + Send,
    {
        let verb = verb(&method);
        let query = yaup::to_string(method.query())?;
        let body = match method.into_body() {
            Some(body) => Some((serde_json::to_vec(&body)?, "application/json")),
            None => None,
        };
        let (status, text) = self.send(url, verb, &query, body).await?;
        parse_response(status, expected_status_code, &text, url.to_owned())
    }

    async fn stream_request<
        Query: Serialize + Send + Sync,
        Body: futures_io::AsyncRead + Send + Sync + 'static,
        Output: DeserializeOwned + 'static,
    >(
        &self,
        url: &str,
        method: Method<Query, Body>,
        content_type: &str,
        expected_status_code: u16,
    ) -> Result<Output, Error> {
        let verb = verb(&method);
        let query = yaup::to_string(method.query())?;
        let body = match method.into_body() {
            Some(reader) => Some((read_all(reader).await?, content_type)),
            None => None,
        };
        let (status, text) = self.send(url, verb, &query, body).await?;
        parse_response(status, expected_status_code, &text, url.to_owned())
    }

    fn is_tokio(&self) -> bool {
        true
    }
}

/// Everything `reader` holds.
async fn read_all(reader: impl futures_io::AsyncRead) -> Result<Vec<u8>, Error> {
    let mut reader = std::pin::pin!(reader);
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let read = std::future::poll_fn(|cx| reader.as_mut().poll_read(cx, &mut chunk))
            .await
            .map_err(|err| Error::Other(Box::new(err)))?;
        if read == 0 {
            return Ok(bytes);
        }
        bytes.extend_from_slice(&chunk[..read]);
    }
}
