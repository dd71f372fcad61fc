//! A server that only replays bytes: the client's own cost is what shows. One thread (the
//! other core is the client's), HTTP/1.1 with keep-alive, by hyper.

use std::convert::Infallible;
use std::io::Read;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// Serves the captured answers until stdin closes.
pub fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (tags, customers) = crate::payloads::capture()?;
    let (tags, customers) = (Bytes::from(tags), Bytes::from(customers));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    println!("listening on http://{}", listener.local_addr()?);
    eprintln!("replay: tags {} bytes, customers {} bytes", tags.len(), customers.len());
    // The server stops when whoever started it closes its stdin (or goes away).
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    runtime.block_on(serve(listener, tags, customers));
    Ok(())
}

/// Starts a replay server on a thread of its own (for in-process benchmarks); answers its URL.
pub fn spawn(tags: Bytes, customers: Bytes) -> std::io::Result<String> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let url = format!("http://{}", listener.local_addr()?);
    std::thread::spawn(move || runtime.block_on(serve(listener, tags, customers)));
    Ok(url)
}

/// Serves forever.
async fn serve(listener: tokio::net::TcpListener, tags: Bytes, customers: Bytes) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let (tags, customers) = (tags.clone(), customers.clone());
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                let path = request.uri().path();
                let body = if path.ends_with("/tags") {
                    Some(tags.clone())
                } else if path.ends_with("/page_customers") {
                    Some(customers.clone())
                } else {
                    None
                };
                async move { Ok::<_, Infallible>(answer(body)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn answer(body: Option<Bytes>) -> Response<Full<Bytes>> {
    let found = body.is_some();
    let mut answer = Response::new(Full::new(body.unwrap_or_else(|| Bytes::from_static(b"{}"))));
    if !found {
        *answer.status_mut() = StatusCode::NOT_FOUND;
    }
    answer.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    answer
}
