//! The rooms API under fuzzing: generated bodies and ids, answered by the
//! protocol's HTTP table every time.

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::packets::Generator;
use super::{API_REQUESTS, FUZZ_ROOMS, MAX_PAYLOAD_BYTES, PATIENCE};
use crate::strategies::{self, json, spell, text};

/// `POST /api/rooms` with generated bodies, `GET /api/rooms/{id}` with
/// generated ids: always an answer of the protocol's table.
pub async fn requests(server: String, mut generator: Generator) -> Result<(), String> {
    let http = reqwest::Client::builder().timeout(PATIENCE).build().unwrap();
    for i in 0..API_REQUESTS {
        if i % 4 == 3 {
            let id = match generator.below(3) {
                0 => generator.draw(strategies::ROOM_ID),
                1 => generator.pick(&FUZZ_ROOMS).to_owned(),
                _ => generator.draw(text()),
            };
            if id.chars().all(|c| c == '.') {
                // No room id at all, or a path segment the URL would lose.
                continue;
            }
            let path: String = id
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b == b'-' {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            let response = http
                .get(format!("{server}/api/rooms/{path}"))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status();
            let body: Value = response.json().await.map_err(|e| format!("GET {id:?}: {e}"))?;
            match status {
                StatusCode::OK if body["members"].is_array() => {}
                StatusCode::NOT_FOUND if body["error"] == "no-such-room" => {}
                StatusCode::TOO_MANY_REQUESTS if body["error"] == "rate-limited" => {}
                _ => return Err(format!("GET /api/rooms/{path}: {status} {body}")),
            }
            continue;
        }
        let seed = generator.seed();
        let (body, too_large) = match generator.below(8) {
            0 => (generator.draw(prop::collection::vec(any::<u8>(), 0..64)), false),
            1 => {
                let size = MAX_PAYLOAD_BYTES + 1 + generator.below(60_000);
                let mut body = match generator.below(3) {
                    0 => spell(&json!({"room_id": generator.draw(strategies::ROOM_ID)}), seed).into_bytes(),
                    1 => vec![0xff, b'['],
                    _ => spell(&json!({"room_id": 42}), seed).into_bytes(),
                };
                body.resize(size, b' ');
                (body, true)
            }
            2 => (spell(&generator.draw(json()), seed).into_bytes(), false),
            3 => (Vec::new(), false),
            _ => {
                let mut members = serde_json::Map::new();
                if generator.chance(80) {
                    members.insert("room_id".to_owned(), generator.field());
                }
                (spell(&Value::Object(members), seed).into_bytes(), false)
            }
        };
        let response = http
            .post(format!("{server}/api/rooms"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let answer: Value = response.json().await.map_err(|e| {
            format!(
                "POST {:.100}: {status}, not JSON: {e}",
                String::from_utf8_lossy(&body)
            )
        })?;
        let code = answer["error"].as_str().unwrap_or_default();
        let fits = match status {
            StatusCode::OK | StatusCode::CREATED => {
                answer["room_id"].is_string() && answer["url"].is_string() && answer["max_users"].is_number()
            }
            StatusCode::BAD_REQUEST => code == "bad-request" || code == "invalid-room-id",
            StatusCode::CONFLICT => code == "room-taken",
            StatusCode::PAYLOAD_TOO_LARGE => code == "too-large",
            StatusCode::TOO_MANY_REQUESTS => code == "rate-limited",
            _ => false,
        };
        let messaged = status.is_success() || answer["message"].as_str().is_some_and(|m| !m.is_empty());
        if !fits || !messaged || too_large != (status == StatusCode::PAYLOAD_TOO_LARGE) {
            return Err(format!(
                "POST {:.100} ({} bytes): {status} {answer}",
                String::from_utf8_lossy(&body),
                body.len()
            ));
        }
    }
    Ok(())
}
