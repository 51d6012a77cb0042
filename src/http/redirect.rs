//! The plain-HTTP listener of an HTTPS server: it only sends people to HTTPS.

use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// Redirects every request to the same path over HTTPS on `https_port`.
pub fn to_https(https_port: u16) -> Router {
    Router::new().fallback(move |request: Request| async move { redirect(&request, https_port) })
}

fn redirect(request: &Request, https_port: u16) -> Response {
    let Some(host) = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| request.uri().host())
    else {
        return (StatusCode::BAD_REQUEST, "no Host header\n").into_response();
    };
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let authority = if https_port == 443 {
        name.to_owned()
    } else {
        format!("{name}:{https_port}")
    };
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    Redirect::permanent(&format!("https://{authority}{path}")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn location(host: &str, path: &str, port: u16) -> String {
        let request = Request::builder()
            .uri(path)
            .header("host", host)
            .body(Body::empty())
            .unwrap();
        let response = redirect(&request, port);
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        response.headers()[header::LOCATION].to_str().unwrap().to_owned()
    }

    #[test]
    fn keeps_host_and_path_and_swaps_the_port() {
        assert_eq!(
            location("call.example.org", "/r/abc/?x=1", 443),
            "https://call.example.org/r/abc/?x=1"
        );
        assert_eq!(
            location("call.example.org:80", "/", 8443),
            "https://call.example.org:8443/"
        );
        assert_eq!(location("[::1]:8080", "/", 8443), "https://[::1]:8443/");
    }
}
