//! Everything one event handler works with, and the one way it answers.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef};

use super::error::SignalError;
use super::hub::Hub;
use super::payloads::{ErrorEvent, Failed, Nothing, Ok};
use super::session::Session;
use crate::domain::ClientAddr;
use crate::store::StoreError;

pub struct EventContext<A: Adapter> {
    pub socket: SocketRef<A>,
    pub io: SocketIo<A>,
    pub hub: Arc<Hub>,
    pub session: Arc<Session>,
    /// The event name as the client sent it, for the `error` event.
    pub name: String,
    reply: Mutex<Reply<A>>,
}

enum Reply<A: Adapter> {
    /// Not answered yet; the sender is there if the client asked for an ack.
    Pending(Option<AckSender<A>>),
    Answered,
}

impl<A: Adapter> EventContext<A> {
    pub fn new(
        socket: SocketRef<A>,
        io: SocketIo<A>,
        hub: Arc<Hub>,
        session: Arc<Session>,
        name: String,
        ack: Option<AckSender<A>>,
    ) -> Self {
        Self {
            socket,
            io,
            hub,
            session,
            name,
            reply: Mutex::new(Reply::Pending(ack)),
        }
    }

    /// Sends the success acknowledgement `{"ok": true, ...body}` now, so the
    /// client has it before the events that follow from its request.
    pub fn ack<T: Serialize>(&self, body: T) {
        if let Some(ack) = self.take_reply()
            && let Err(e) = ack.send(&Ok { ok: true, body })
        {
            tracing::debug!(error = %e, "acknowledgement not sent");
        }
    }

    /// Answers with the handler's result unless the handler already did.
    pub fn finish(&self, result: Result<(), SignalError>) {
        match result {
            Result::Ok(()) => self.ack(Nothing {}),
            Err(error) => self.fail(&error),
        }
    }

    fn fail(&self, error: &SignalError) {
        self.hub.metrics.error_answered(error.code.place());
        let mut reply = self.reply.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = match std::mem::replace(&mut *reply, Reply::Answered) {
            Reply::Answered => {
                tracing::warn!(%error, event = %self.name, "failure after the request was answered");
                return;
            }
            Reply::Pending(Some(ack)) => ack.send(&Failed {
                ok: false,
                error: error.code.as_str(),
                message: &error.message,
            }),
            Reply::Pending(None) => self.socket.emit(
                "error",
                &ErrorEvent {
                    error: error.code.as_str(),
                    message: &error.message,
                    event: &self.name,
                },
            ),
        };
        if let Err(e) = sent {
            tracing::debug!(error = %e, "error reply not sent");
        }
    }

    fn take_reply(&self) -> Option<AckSender<A>> {
        let mut reply = self.reply.lock().unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut *reply, Reply::Answered) {
            Reply::Pending(ack) => ack,
            Reply::Answered => None,
        }
    }

    /// The host the client reached this server by (the HTTP `Host` of its
    /// Socket.IO connection).
    pub fn request_host(&self) -> Option<&str> {
        let parts = self.socket.req_parts();
        parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
    }

    /// The client's address, as the HTTP edge resolved it for the
    /// connection's handshake.
    pub fn client_ip(&self) -> Option<IpAddr> {
        let client = self.socket.req_parts().extensions.get::<ClientAddr>();
        client.map(|client| client.ip)
    }

    /// Passes a store error on, first letting go of a seat that the store
    /// says this connection no longer holds (another connection took it back
    /// with `rejoin`).
    pub fn seat_lost_on(&self, error: StoreError) -> SignalError {
        if error == StoreError::NotSeated {
            self.session.stand(&self.socket);
        }
        error.into()
    }
}
