//! The room store that several servers share: every room is one Redis hash
//! (Redis 7 or later), and every change of a room is one Lua script on that
//! hash, so that capacity holds however many servers race to fill a seat.
//! Keys carry the room id as a hash tag, so each script touches one slot.
//!
//! - Expiry is Redis's: an empty room is a key that expires after the room
//!   time-to-live; a dropped seat's grace is a deadline in a sorted set,
//!   which every server's sweeper reads, and the script that frees a seat
//!   frees it once, whichever server asks first.
//! - Servers come and go: each announces itself with a key that expires
//!   unless renewed, and notes the seats it holds; the seats of a server that
//!   stops answering are dropped by the others, and their grace runs
//!   (`instances`).
//! - Relaying asks the store for the route of every message; rooms read for
//!   that are kept here for a short while, and every change of a room is
//!   published so that each server forgets its copy at once (`cache`).
//! - When Redis does not answer, requests fail with `Backend` at once (the
//!   connection waits at most a second, and reconnects by itself), `ready()`
//!   is false, and the log says so once.

mod cache;
mod instances;
mod reply;
mod room;
mod scripts;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, RedisResult};
use tokio::task::JoinHandle;

use super::{
    Created, Member, NewSeat, RoomRules, RoomStore, RoomView, Route, Seated, StoreError, StoreResult,
    StoreStats, Vacated,
};
use crate::domain::{ConnId, PeerId, RoomId};
use crate::redis_conn::{self, RedisUrl};
use cache::RoomCache;
use reply::Reply;
use room::RoomHash;
use scripts::Scripts;

/// How many hang-ups a room remembers, to refuse their tickets (as in the
/// memory store).
const HANG_UPS_REMEMBERED: u32 = 32;
/// How many due seats one sweep frees at most; the next sweep takes the rest.
const SWEEP_BATCH: isize = 200;

/// How to reach Redis, and the prefix of every key and channel (so that
/// deployments, or tests, can share one Redis).
#[derive(Clone, Debug)]
pub struct RedisSettings {
    pub url: RedisUrl,
    pub prefix: String,
}

pub struct RedisStore {
    shared: Arc<Shared>,
    /// The heartbeat and the listener for changes, ended with the store.
    tasks: Vec<JoinHandle<()>>,
}

/// What the store and its background tasks share.
struct Shared {
    rules: RoomRules,
    keys: Keys,
    conn: ConnectionManager,
    scripts: Scripts,
    /// This server's id among those sharing the rooms.
    instance: String,
    cache: RoomCache,
    /// Whether the last command reached Redis.
    up: AtomicBool,
}

/// Every key and channel, under the prefix.
struct Keys {
    prefix: String,
}

impl Keys {
    fn room(&self, room_id: &RoomId) -> String {
        format!("{}room:{{{room_id}}}", self.prefix)
    }

    fn room_pattern(&self) -> String {
        format!("{}room:*", self.prefix)
    }

    /// Where every change of a room is announced, with the room id.
    fn changes(&self) -> String {
        format!("{}changes", self.prefix)
    }

    /// Dropped seats by the end of their grace (Unix ms): `"<room> <peer>"`.
    fn deadlines(&self) -> String {
        format!("{}deadlines", self.prefix)
    }

    /// The ids of the servers that announced themselves.
    fn instances(&self) -> String {
        format!("{}instances", self.prefix)
    }

    /// Present while the server `id` is alive.
    fn alive(&self, id: &str) -> String {
        format!("{}instance:{id}", self.prefix)
    }

    /// The seats the server `id` may hold: `"<room> <peer>"`.
    fn held_by(&self, id: &str) -> String {
        format!("{}instance:{id}:seats", self.prefix)
    }
}

/// A seat in the sets of seats: room and peer ids hold no spaces.
fn seat_member(room_id: &RoomId, peer_id: &PeerId) -> String {
    format!("{room_id} {peer_id}")
}

fn parse_seat_member(member: &str) -> Option<(RoomId, PeerId)> {
    let (room, peer) = member.split_once(' ')?;
    Some((RoomId::parse(room).ok()?, PeerId::from_client(peer)))
}

fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl RedisStore {
    /// Connects, announces this server, and starts listening for changes.
    pub async fn connect(settings: RedisSettings, rules: RoomRules) -> RedisResult<Self> {
        let conn = redis_conn::connect(&settings.url, None).await?;
        let shared = Arc::new(Shared {
            rules,
            keys: Keys {
                prefix: settings.prefix,
            },
            conn,
            scripts: Scripts::new(),
            instance: crate::domain::PeerId::generate().to_string(),
            cache: RoomCache::default(),
            up: AtomicBool::new(true),
        });
        let listener = cache::listen(&settings.url, Arc::clone(&shared)).await?;
        let heartbeat = instances::spawn_heartbeat(Arc::clone(&shared));
        tracing::info!(redis = %settings.url, instance = %shared.instance, "rooms shared through Redis");
        Ok(Self {
            shared,
            tasks: vec![listener, heartbeat],
        })
    }
}

impl RedisStore {
    /// This server's id among those sharing the rooms: routes name it as
    /// the server of the recipients connected here.
    pub fn server_id(&self) -> &str {
        &self.shared.instance
    }

    /// The secret `name` that every server sharing this Redis uses: the
    /// first to ask makes it (with `make`), the others find it.
    pub async fn shared_secret(&self, name: &str, make: impl FnOnce() -> String) -> StoreResult<String> {
        let s = &self.shared;
        let key = format!("{}secret:{name}", s.keys.prefix);
        let mut set = redis::cmd("SET");
        set.arg(&key).arg(make()).arg("NX");
        s.reached(set.query_async::<()>(&mut s.conn()).await)?;
        s.reached(s.conn().get(&key).await)
    }
}

impl Drop for RedisStore {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Shared {
    /// Passes on what Redis said, noting whether it could be reached: the
    /// log says it once when Redis goes away and once when it is back.
    fn reached<T>(&self, result: RedisResult<T>) -> StoreResult<T> {
        match result {
            Ok(value) => {
                if !self.up.swap(true, Ordering::Relaxed) {
                    tracing::info!("Redis answers again");
                }
                Ok(value)
            }
            Err(e) => {
                if e.is_io_error() || e.is_timeout() || e.is_connection_dropped() || e.is_connection_refusal()
                {
                    if self.up.swap(false, Ordering::Relaxed) {
                        tracing::error!(error = %e, "Redis does not answer: requests that need the rooms fail until it is back");
                    }
                    // What was cached may have changed unseen meanwhile.
                    self.cache.clear();
                }
                Err(StoreError::Backend(e.to_string()))
            }
        }
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    /// Reads a room, from Redis.
    async fn read_room(&self, room_id: &RoomId) -> StoreResult<Option<RoomHash>> {
        let fields: Vec<(String, String)> =
            self.reached(self.conn().hgetall(self.keys.room(room_id)).await)?;
        RoomHash::parse(fields)
    }

    /// A room as recently read (or read now), for routes.
    async fn cached_room(&self, room_id: &RoomId) -> StoreResult<Option<Arc<RoomHash>>> {
        if let Some(room) = self.cache.get(room_id) {
            return Ok(Some(room));
        }
        let read = self.read_room(room_id).await?;
        Ok(read.map(|room| self.cache.put(room_id.clone(), room)))
    }

    /// Runs a room script, after `first` (a command on another key, in the
    /// same write), and forgets the cached copy of the room at once (the
    /// others hear of it through the channel).
    async fn on_room(
        &self,
        script: &redis::Script,
        room_id: &RoomId,
        args: &[String],
        first: Option<redis::Cmd>,
    ) -> StoreResult<Reply> {
        let mut invocation = script.key(self.keys.room(room_id));
        invocation.arg(room_id.as_str()).arg(self.keys.changes());
        for arg in args {
            invocation.arg(arg);
        }
        let mut pipe = redis::pipe();
        if let Some(first) = first {
            pipe.add_command(first).ignore();
        }
        pipe.invoke_script(&invocation);
        let mut conn = self.conn();
        let result = match pipe.query_async::<(redis::Value,)>(&mut conn).await {
            // Redis forgot its scripts (it restarted): teach it, and again.
            Err(e) if e.kind() == redis::ErrorKind::Server(redis::ServerErrorKind::NoScript) => {
                match invocation.load_async(&mut conn).await {
                    Ok(_) => pipe.query_async(&mut conn).await,
                    Err(e) => Err(e),
                }
            }
            other => other,
        };
        self.cache.forget(room_id);
        Reply::new(self.reached(result)?.0)
    }

    /// The note that this server holds a seat: made before the seat is
    /// taken, so that if the server dies in between, the others find the
    /// note and nothing worse than a seat that was never taken.
    fn note_held(&self, room_id: &RoomId, peer_id: &PeerId) -> redis::Cmd {
        redis::Cmd::sadd(self.keys.held_by(&self.instance), seat_member(room_id, peer_id))
    }

    async fn forget_held(&self, room_id: &RoomId, peer_id: &PeerId) -> StoreResult<()> {
        let key = self.keys.held_by(&self.instance);
        self.reached(
            self.conn()
                .srem::<_, _, ()>(key, seat_member(room_id, peer_id))
                .await,
        )
    }

    /// Drops the seat if `field` ('c': its connection, 'i': its server) is
    /// `value`, noting when its grace ends first, so that a sweeper finds it
    /// whatever happens to this server next; then it is no longer this
    /// server's seat.
    async fn drop_seat(
        &self,
        room_id: &RoomId,
        peer_id: &PeerId,
        field: &str,
        value: &str,
    ) -> StoreResult<()> {
        let grace = self.rules.reconnect_grace;
        let member = seat_member(room_id, peer_id);
        let hint = redis::Cmd::zadd(self.keys.deadlines(), &member, unix_ms(SystemTime::now() + grace));
        let args = [
            peer_id.to_string(),
            field.to_owned(),
            value.to_owned(),
            millis(grace).to_string(),
        ];
        let mut reply = self
            .on_room(&self.scripts.detach, room_id, &args, Some(hint))
            .await?;
        if reply.word()? == "dropped" {
            // The script's own clock is the one that counts.
            let until = reply.number()?;
            let mut pipe = redis::pipe();
            pipe.zadd(self.keys.deadlines(), &member, until)
                .ignore()
                .srem(self.keys.held_by(&self.instance), &member)
                .ignore();
            self.reached(pipe.query_async::<()>(&mut self.conn()).await)?;
        }
        Ok(())
    }

    fn seat_args(&self, seat: &NewSeat) -> Vec<String> {
        vec![
            seat.peer_id.to_string(),
            seat.name.to_string(),
            seat.joined_at.0.to_string(),
            seat.conn.to_string(),
            self.instance.clone(),
        ]
    }
}

/// The seat `peer_id` in a room just read, as `join` and `rejoin` answer it.
fn seated(
    room: &RoomHash,
    peer_id: &PeerId,
    replaced_conn: Option<ConnId>,
    newly_seated: bool,
) -> StoreResult<Seated> {
    let seat = room
        .seat(peer_id)
        .ok_or_else(|| StoreError::Backend("the seat just taken is missing".into()))?;
    Ok(Seated {
        member: seat.member.clone(),
        joined_at: seat.joined_at,
        max_users: room.max_users,
        members: room.members(),
        replaced_conn,
        newly_seated,
    })
}

fn full(reply: &mut Reply) -> StoreResult<StoreError> {
    Ok(StoreError::Full {
        max_users: u32::try_from(reply.number()?).unwrap_or(u32::MAX),
    })
}

#[async_trait]
impl RoomStore for RedisStore {
    async fn create_room(&self, room_id: &RoomId) -> StoreResult<(Created, u32)> {
        let s = &self.shared;
        let args = [
            millis(s.rules.room_ttl).to_string(),
            s.rules.max_users.to_string(),
        ];
        let mut reply = s.on_room(&s.scripts.create, room_id, &args, None).await?;
        let created = match reply.word()?.as_str() {
            "new" => Created::New,
            "empty" => Created::ExistingEmpty,
            _ => return Err(StoreError::RoomTaken),
        };
        Ok((created, u32::try_from(reply.number()?).unwrap_or(u32::MAX)))
    }

    async fn room(&self, room_id: &RoomId) -> StoreResult<Option<RoomView>> {
        Ok(self
            .shared
            .read_room(room_id)
            .await?
            .map(|room| room.view(room_id)))
    }

    async fn take_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated> {
        let s = &self.shared;
        let note = s.note_held(room_id, &seat.peer_id);
        let mut reply = s
            .on_room(&s.scripts.take, room_id, &s.seat_args(&seat), Some(note))
            .await?;
        let taken = match reply.word()?.as_str() {
            "seated" => seated(&reply.room()?, &seat.peer_id, None, true),
            "full" => Err(full(&mut reply)?),
            _ => Err(StoreError::NoSuchRoom),
        };
        if taken.is_err() {
            s.forget_held(room_id, &seat.peer_id).await?;
        }
        taken
    }

    async fn return_seat(&self, room_id: &RoomId, seat: NewSeat) -> StoreResult<Seated> {
        let s = &self.shared;
        let note = s.note_held(room_id, &seat.peer_id);
        let mut args = s.seat_args(&seat);
        args.push(s.rules.max_users.to_string());
        let mut reply = s
            .on_room(&s.scripts.give_back, room_id, &args, Some(note))
            .await?;
        let returned = match reply.word()?.as_str() {
            word @ ("held" | "seated") => {
                let (old_conn, old_instance) = (reply.word()?, reply.word()?);
                if !old_instance.is_empty() && old_instance != s.instance {
                    // The seat moves here from another server.
                    let key = s.keys.held_by(&old_instance);
                    s.reached(
                        s.conn()
                            .srem::<_, _, ()>(key, seat_member(room_id, &seat.peer_id))
                            .await,
                    )?;
                }
                let replaced = (!old_conn.is_empty()).then(|| ConnId::new(old_conn));
                seated(&reply.room()?, &seat.peer_id, replaced, word == "seated")
            }
            "full" => Err(full(&mut reply)?),
            _ => Err(StoreError::HungUp),
        };
        if returned.is_err() {
            s.forget_held(room_id, &seat.peer_id).await?;
        }
        returned
    }

    async fn leave(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<Vacated> {
        let s = &self.shared;
        let args = [
            peer_id.to_string(),
            conn.to_string(),
            millis(s.rules.room_ttl).to_string(),
            HANG_UPS_REMEMBERED.to_string(),
        ];
        let mut reply = s.on_room(&s.scripts.leave, room_id, &args, None).await?;
        if reply.word()? != "left" {
            return Err(StoreError::NotSeated);
        }
        let vacated = vacated(room_id, peer_id, &mut reply)?;
        s.forget_held(room_id, peer_id).await?;
        Ok(vacated)
    }

    async fn detach(&self, room_id: &RoomId, peer_id: &PeerId, conn: &ConnId) -> StoreResult<()> {
        let s = &self.shared;
        s.drop_seat(room_id, peer_id, "c", conn.as_str()).await
    }

    async fn route(
        &self,
        room_id: &RoomId,
        from: &PeerId,
        conn: &ConnId,
        to: Option<&PeerId>,
    ) -> StoreResult<Route> {
        let room = self
            .shared
            .cached_room(room_id)
            .await?
            .ok_or(StoreError::NotSeated)?;
        let seats = room
            .seats
            .iter()
            .map(|seat| (&seat.member, seat.conn.as_ref(), seat.server.as_ref()));
        super::route_among(seats, from, conn, to)
    }

    async fn expire(&self) -> StoreResult<Vec<Vacated>> {
        let s = &self.shared;
        s.cache.prune();
        let key = s.keys.deadlines();
        let due: Vec<(String, String)> = s.reached(
            redis::cmd("ZRANGE")
                .arg(&key)
                .arg("-inf")
                .arg(unix_ms(SystemTime::now()))
                .arg("BYSCORE")
                .arg("LIMIT")
                .arg(0)
                .arg(SWEEP_BATCH)
                .arg("WITHSCORES")
                .query_async(&mut s.conn())
                .await,
        )?;
        let mut vacated_seats = Vec::new();
        for (member, score) in due {
            let Some((room_id, peer_id)) = parse_seat_member(&member) else {
                continue;
            };
            let args = [peer_id.to_string(), millis(s.rules.room_ttl).to_string()];
            let mut reply = s.on_room(&s.scripts.expire, &room_id, &args, None).await?;
            match reply.word()?.as_str() {
                "later" => {
                    let until = reply.number()?;
                    s.reached(s.conn().zadd::<_, _, _, ()>(&key, &member, until).await)?;
                    continue;
                }
                "freed" => vacated_seats.push(vacated(&room_id, &peer_id, &mut reply)?),
                _ => {}
            }
            let mut unhint = s.scripts.unhint.key(&key);
            unhint.arg(&member).arg(&score);
            s.reached(unhint.invoke_async::<()>(&mut s.conn()).await)?;
        }
        Ok(vacated_seats)
    }

    async fn stats(&self) -> StoreResult<StoreStats> {
        let s = &self.shared;
        let mut conn = s.conn();
        let keys: Vec<String> = {
            let mut keys = Vec::new();
            let mut scan = s.reached(conn.scan_match::<_, String>(s.keys.room_pattern()).await)?;
            while let Some(key) = futures_util::StreamExt::next(&mut scan).await {
                keys.push(s.reached(key)?);
            }
            keys
        };
        let mut peers = 0;
        for batch in keys.chunks(500) {
            let mut pipe = redis::pipe();
            for key in batch {
                pipe.hkeys(key);
            }
            let fields: Vec<Vec<String>> = s.reached(pipe.query_async(&mut conn).await)?;
            peers += fields
                .iter()
                .flatten()
                .filter(|field| field.starts_with("s:") && field.ends_with(":n"))
                .count() as u64;
        }
        Ok(StoreStats {
            rooms: keys.len() as u64,
            peers,
        })
    }

    fn ready(&self) -> bool {
        self.shared.up.load(Ordering::Relaxed)
    }

    async fn stopping(&self) -> StoreResult<()> {
        instances::release(&self.shared, &self.shared.instance).await
    }
}

/// The seat given up, and who is still in the room, from a script's reply
/// `name, room`.
fn vacated(room_id: &RoomId, peer_id: &PeerId, reply: &mut Reply) -> StoreResult<Vacated> {
    let name = reply.word()?;
    let room = reply.room()?;
    Ok(Vacated {
        room_id: room_id.clone(),
        member: Member {
            peer_id: peer_id.clone(),
            name: crate::domain::PeerName::parse(&name)
                .map_err(|_| StoreError::Backend("a seat with an invalid name".into()))?,
        },
        members: room.members(),
    })
}

/// Shared with the integration tests, which start Redis the same way.
#[cfg(test)]
#[path = "../../../tests/support/redis_server.rs"]
mod redis_server;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::contract::Made;

    /// A store on a Redis server of its own.
    async fn redis(rules: RoomRules) -> Made {
        let server = super::redis_server::RedisServer::start();
        let settings = RedisSettings {
            url: server.url().parse().unwrap(),
            prefix: "duet:".into(),
        };
        let store = RedisStore::connect(settings, rules).await.expect("connects");
        Made {
            store: Arc::new(store),
            keep: Box::new(server),
        }
    }

    crate::room_store_contract!(
        #[tokio::test]
        redis
    );

    use crate::store::contract::{RULES, guest, wait_past};

    async fn store_on(server: &redis_server::RedisServer) -> RedisStore {
        let settings = RedisSettings {
            url: server.url().parse().unwrap(),
            prefix: "duet:".into(),
        };
        RedisStore::connect(settings, RULES).await.expect("connects")
    }

    async fn eventually<F: std::future::Future<Output = bool>>(
        within: Duration,
        mut check: impl FnMut() -> F,
    ) {
        let deadline = tokio::time::Instant::now() + within;
        while !check().await {
            assert!(tokio::time::Instant::now() < deadline, "not within {within:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn servers_on_one_redis_agree_on_their_secrets() {
        let server = redis_server::RedisServer::start();
        let (one, two) = (store_on(&server).await, store_on(&server).await);
        let first = one
            .shared_secret("rejoin", || "made by one".into())
            .await
            .unwrap();
        let second = two
            .shared_secret("rejoin", || "made by two".into())
            .await
            .unwrap();
        assert_eq!((first.as_str(), second.as_str()), ("made by one", "made by one"));
        let other = two.shared_secret("turn", || "another".into()).await.unwrap();
        assert_eq!(other, "another");
    }

    #[tokio::test]
    async fn a_change_made_by_one_server_reaches_the_routes_of_another_at_once() {
        let server = redis_server::RedisServer::start();
        let (one, two) = (store_on(&server).await, store_on(&server).await);
        let room = RoomId::generate();
        one.create_room(&room).await.unwrap();
        let (ada, bob) = (guest("Ada"), guest("Bob"));
        one.take_seat(&room, ada.seat.clone()).await.unwrap();
        two.take_seat(&room, bob.seat.clone()).await.unwrap();
        // One reads the room for its routes, and keeps it.
        one.route(&room, ada.peer(), ada.conn(), Some(bob.peer()))
            .await
            .unwrap();
        two.leave(&room, bob.peer(), bob.conn()).await.unwrap();
        eventually(Duration::from_millis(500), || async {
            one.route(&room, ada.peer(), ada.conn(), Some(bob.peer())).await == Err(StoreError::NoSuchPeer)
        })
        .await;
    }

    #[tokio::test]
    async fn the_seats_of_a_server_gone_silent_are_dropped_by_another() {
        let server = redis_server::RedisServer::start();
        let (gone, survivor) = (store_on(&server).await, store_on(&server).await);
        let room = RoomId::generate();
        gone.create_room(&room).await.unwrap();
        let (ada, bob) = (guest("Ada"), guest("Bob"));
        gone.take_seat(&room, ada.seat.clone()).await.unwrap();
        survivor.take_seat(&room, bob.seat.clone()).await.unwrap();
        // Killed: no word to anyone, its key simply stops being renewed.
        drop(gone);
        eventually(Duration::from_secs(6), || async {
            let route = survivor
                .route(&room, bob.peer(), bob.conn(), Some(ada.peer()))
                .await;
            route.is_ok_and(|route| route.recipients[0].conn.is_none())
        })
        .await;
        wait_past(RULES.reconnect_grace).await;
        let freed = survivor.expire().await.unwrap();
        assert_eq!(freed.len(), 1);
        assert_eq!(&freed[0].member.peer_id, ada.peer());
        assert!(survivor.expire().await.unwrap().is_empty(), "announced once");
    }

    #[tokio::test]
    async fn a_server_stopping_drops_its_seats_at_once() {
        let server = redis_server::RedisServer::start();
        let (stopping, other) = (store_on(&server).await, store_on(&server).await);
        let room = RoomId::generate();
        stopping.create_room(&room).await.unwrap();
        let ada = guest("Ada");
        stopping.take_seat(&room, ada.seat.clone()).await.unwrap();
        stopping.stopping().await.unwrap();
        let back = other
            .return_seat(&room, ada.returning("elsewhere"))
            .await
            .unwrap();
        assert_eq!(back.replaced_conn, None, "the seat was already dropped");
        assert!(!back.newly_seated, "and still held for its grace");
    }

    #[tokio::test]
    async fn without_redis_requests_fail_plainly_and_all_is_well_again_when_it_is_back() {
        let server = redis_server::RedisServer::start();
        let store = store_on(&server).await;
        let room = RoomId::generate();
        store.create_room(&room).await.unwrap();
        assert!(store.ready());
        server.stop();
        let started = tokio::time::Instant::now();
        assert!(matches!(store.room(&room).await, Err(StoreError::Backend(_))));
        assert!(started.elapsed() < Duration::from_secs(3), "no hang");
        assert!(!store.ready());
        server.start_again();
        eventually(Duration::from_secs(10), || async {
            store.create_room(&room).await.is_ok()
        })
        .await;
        assert!(store.ready());
    }

    #[test]
    fn seat_members_read_back() {
        let room = RoomId::parse("team-standup").unwrap();
        let peer = PeerId::generate();
        assert_eq!(parse_seat_member(&seat_member(&room, &peer)), Some((room, peer)));
        assert_eq!(parse_seat_member("no-space"), None);
    }
}
