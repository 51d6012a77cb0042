//! Listening: plain HTTP, HTTPS from a certificate (files or self-signed),
//! HTTPS from ACME, and the plain-HTTP listener that redirects to HTTPS,
//! all on axum-server, stopped together through one handle.

use std::io;
use std::net::{SocketAddr, TcpListener};

use axum::Router;
use axum_server::Handle;
use axum_server::accept::{Accept, NoDelayAcceptor};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use crate::tls::AcmeTls;

/// How the main listener speaks.
pub enum Transport {
    Plain,
    Tls(RustlsConfig),
    Acme(AcmeTls),
}

/// Serves `router` on `listener` (and `redirect`, if any, sending plain
/// HTTP to HTTPS) until `handle` shuts them down.
pub async fn run(
    router: Router,
    listener: TcpListener,
    transport: Transport,
    redirect: Option<(TcpListener, Router)>,
    handle: Handle<SocketAddr>,
) -> io::Result<()> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let main: JoinHandle<io::Result<()>> = match transport {
        Transport::Plain => {
            let server = axum_server::from_tcp(listener)?
                .acceptor(NoDelayAcceptor)
                .handle(handle.clone());
            tokio::spawn(server.serve(service))
        }
        Transport::Tls(config) => {
            let acceptor = RustlsAcceptor::new(config).acceptor(NoDelayAcceptor);
            let server = axum_server::from_tcp(listener)?
                .acceptor(acceptor)
                .handle(handle.clone());
            tokio::spawn(server.serve(service))
        }
        Transport::Acme(acme) => {
            let server = axum_server::from_tcp(listener)?
                .acceptor(NoDelay(acme.acceptor))
                .handle(handle.clone());
            let served = tokio::spawn(server.serve(service));
            let worker = acme.worker;
            tokio::spawn(async move {
                let result = served.await.map_err(io::Error::other)?;
                worker.abort();
                result
            })
        }
    };
    let redirect = match redirect {
        Some((listener, router)) => {
            let server = axum_server::from_tcp(listener)?
                .acceptor(NoDelayAcceptor)
                .handle(handle);
            Some(tokio::spawn(server.serve(router.into_make_service())))
        }
        None => None,
    };
    let result = main.await.map_err(io::Error::other)?;
    if let Some(redirect) = redirect {
        redirect.await.map_err(io::Error::other)??;
    }
    result
}

/// Signalling messages are small and each one matters now: no Nagle delay,
/// whatever acceptor runs after.
#[derive(Clone)]
pub struct NoDelay<A>(pub A);

impl<A, S> Accept<TcpStream, S> for NoDelay<A>
where
    A: Accept<TcpStream, S>,
{
    type Stream = A::Stream;
    type Service = A::Service;
    type Future = A::Future;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        self.0.accept(stream, service)
    }
}
