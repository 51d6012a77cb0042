//! Listening: plain HTTP, HTTPS from a certificate (files or self-signed),
//! HTTPS from ACME, and the plain-HTTP listener that redirects to HTTPS,
//! all on axum-server, stopped together through one handle. Every listener
//! caps the TCP connections per address and closes those that take too long
//! to send a request's headers.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum_server::accept::{Accept, NoDelayAcceptor};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use axum_server::{Handle, Server};
use hyper_util::rt::TokioTimer;
use ipnet::IpNet;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Sleep;

use crate::limits::{ConnectionCap, Permit};
use crate::tls::AcmeTls;

/// How the main listener speaks.
pub enum Transport {
    Plain,
    Tls(RustlsConfig),
    Acme(AcmeTls),
}

/// The most a request's head may take (hyper's read buffer; its default is
/// about 400 KiB, held by each connection that sends headers that long).
/// Browsers send a few KiB.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// What every listener holds its clients to.
#[derive(Clone)]
pub struct Guard {
    /// TCP connections per address...
    pub cap: Arc<ConnectionCap>,
    /// ...except from these (reverse proxies, whose clients are counted by
    /// the signalling cap instead).
    pub exempt: Arc<[IpNet]>,
    /// How long a client may take to send a request's headers (and, on a
    /// kept-alive connection, to begin the next request).
    pub header_timeout: Duration,
}

/// Serves `router` on `listener` (and `redirect`, if any, sending plain
/// HTTP to HTTPS) until `handle` shuts them down.
pub async fn run(
    router: Router,
    listener: TcpListener,
    transport: Transport,
    redirect: Option<(TcpListener, Router)>,
    handle: Handle<SocketAddr>,
    guard: Guard,
) -> io::Result<()> {
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let main: JoinHandle<io::Result<()>> = match transport {
        Transport::Plain => {
            let server = guarded(listener, NoDelayAcceptor, &guard, &handle)?;
            tokio::spawn(server.serve(service))
        }
        Transport::Tls(config) => {
            let acceptor = RustlsAcceptor::new(config).acceptor(NoDelayAcceptor);
            let server = guarded(listener, acceptor, &guard, &handle)?;
            tokio::spawn(server.serve(service))
        }
        Transport::Acme(acme) => {
            let server = guarded(listener, NoDelay(acme.acceptor), &guard, &handle)?;
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
            let server = guarded(listener, NoDelayAcceptor, &guard, &handle)?;
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

/// A server on `listener` whose connections go through `acceptor` once
/// admitted under the cap, and whose requests must arrive in time.
fn guarded<A>(
    listener: TcpListener,
    acceptor: A,
    guard: &Guard,
    handle: &Handle<SocketAddr>,
) -> io::Result<Server<SocketAddr, Capped<A>>> {
    let mut server = axum_server::from_tcp(listener)?
        .acceptor(Capped {
            inner: acceptor,
            guard: guard.clone(),
        })
        .handle(handle.clone());
    server
        .http_builder()
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(guard.header_timeout)
        .max_buf_size(MAX_HEADER_BYTES);
    Ok(server)
}

/// Admits a TCP connection under the per-address cap, closing it at once
/// when its address holds too many, and holds its place while it lasts; a
/// connection that sends nothing within the header timeout is closed (the
/// server's choice of HTTP version reads its first bytes with no deadline,
/// before hyper's own for the headers begins).
#[derive(Clone)]
pub struct Capped<A> {
    inner: A,
    guard: Guard,
}

impl<A, S> Accept<TcpStream, S> for Capped<A>
where
    A: Accept<TcpStream, S>,
    A::Future: Send + 'static,
    A::Stream: Unpin + Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Guarded<A::Stream>;
    type Service = A::Service;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let permit = match self.admit(&stream) {
            Ok(permit) => permit,
            Err(refused) => return Box::pin(std::future::ready(Err(refused))),
        };
        let accepted = self.inner.accept(stream, service);
        let header_timeout = self.guard.header_timeout;
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            let guarded = Guarded {
                stream,
                first_byte_due: Some(Box::pin(tokio::time::sleep(header_timeout))),
                _permit: permit,
            };
            Ok((guarded, service))
        })
    }
}

impl<A> Capped<A> {
    fn admit(&self, stream: &TcpStream) -> io::Result<Option<Permit>> {
        let ip = stream.peer_addr()?.ip().to_canonical();
        if self.guard.exempt.iter().any(|net| net.contains(&ip)) {
            return Ok(None);
        }
        match self.guard.cap.admit(ip) {
            Ok(permit) => Ok(Some(permit)),
            Err(refused) => {
                tracing::debug!(client = %ip, "TCP connection closed: too many from one address");
                Err(io::Error::other(refused))
            }
        }
    }
}

/// A connection with its place under the cap (given back when it closes),
/// until its first byte with a deadline for it.
pub struct Guarded<S> {
    stream: S,
    first_byte_due: Option<Pin<Box<Sleep>>>,
    _permit: Option<Permit>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.stream).poll_read(cx, buf);
        if let Some(due) = &mut this.first_byte_due {
            match &read {
                Poll::Ready(Ok(())) if buf.filled().len() > before => this.first_byte_due = None,
                Poll::Pending if due.as_mut().poll(cx).is_ready() => {
                    return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
                }
                _ => {}
            }
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
