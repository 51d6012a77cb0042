//! Reading what a room script answers: an array of words, numbers and, last,
//! the room's fields as `HGETALL` gives them.

use std::collections::VecDeque;

use redis::Value;

use super::room::RoomHash;
use crate::store::{StoreError, StoreResult};

pub struct Reply(VecDeque<Value>);

impl Reply {
    pub fn new(value: Value) -> StoreResult<Self> {
        match value {
            Value::Array(items) => Ok(Self(items.into())),
            other => Err(unexpected(&other)),
        }
    }

    fn next(&mut self) -> StoreResult<Value> {
        self.0
            .pop_front()
            .ok_or_else(|| StoreError::Backend("a room script answered less than expected".into()))
    }

    /// The next text (a word, a name, an id; empty for none).
    pub fn word(&mut self) -> StoreResult<String> {
        match self.next()? {
            Value::BulkString(bytes) => String::from_utf8(bytes).map_err(|_| unexpected(&Value::Nil)),
            Value::SimpleString(text) => Ok(text),
            other => Err(unexpected(&other)),
        }
    }

    /// The next whole number.
    pub fn number(&mut self) -> StoreResult<u64> {
        match self.next()? {
            Value::Int(n) => u64::try_from(n).map_err(|_| unexpected(&Value::Int(n))),
            Value::BulkString(bytes) => std::str::from_utf8(&bytes)
                .ok()
                .and_then(|text| text.parse().ok())
                .ok_or_else(|| unexpected(&Value::BulkString(bytes.clone()))),
            other => Err(unexpected(&other)),
        }
    }

    /// The room, from the fields that end the reply.
    pub fn room(&mut self) -> StoreResult<RoomHash> {
        let Value::Array(flat) = self.next()? else {
            return Err(StoreError::Backend("a room script answered no room".into()));
        };
        let mut words = Reply(flat.into());
        let mut fields = Vec::with_capacity(words.0.len() / 2);
        while !words.0.is_empty() {
            fields.push((words.word()?, words.word()?));
        }
        RoomHash::parse(fields)?
            .ok_or_else(|| StoreError::Backend("a room script answered an empty room".into()))
    }
}

fn unexpected(value: &Value) -> StoreError {
    StoreError::Backend(format!("unexpected answer from a room script: {value:?}"))
}
