//! The behaviour every room store must have, as tests any implementation can
//! run: `room_store_contract!(|rules| async { make_store(rules) })`.
//!
//! Times are short and waited out with `tokio::time::sleep`, so a store on
//! tokio's clock can run them with paused time and a store on a real clock
//! (Redis) in real time.

use std::sync::Arc;
use std::time::Duration;

use super::{Created, NewSeat, Recipient, RoomRules, RoomStore, StoreError};

use crate::domain::{ConnId, JoinedAt, PeerId, PeerName, RoomId};

pub const RULES: RoomRules = RoomRules {
    max_users: 2,
    room_ttl: Duration::from_millis(1500),
    reconnect_grace: Duration::from_millis(600),
};

/// Past a deadline of `RULES`, with room for a slow store.
pub async fn wait_past(deadline: Duration) {
    tokio::time::sleep(deadline + Duration::from_millis(300)).await;
}

/// A unique room id, so tests sharing one backend never meet.
pub fn fresh_room() -> RoomId {
    RoomId::generate()
}

pub struct Guest {
    pub seat: NewSeat,
}

/// Someone about to join; guests made later joined later.
pub fn guest(name: &str) -> Guest {
    static CLOCK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1_700_000_000_000_000);
    Guest {
        seat: NewSeat {
            peer_id: PeerId::generate(),
            name: PeerName::parse(name).unwrap(),
            joined_at: JoinedAt(CLOCK.fetch_add(1, std::sync::atomic::Ordering::Relaxed)),
            conn: ConnId::new(format!("conn-{}", PeerId::generate())),
        },
    }
}

impl Guest {
    pub fn peer(&self) -> &PeerId {
        &self.seat.peer_id
    }
    pub fn conn(&self) -> &ConnId {
        &self.seat.conn
    }

    /// The same seat, coming back on a new connection with its ticket.
    pub fn returning(&self, conn: &str) -> NewSeat {
        NewSeat {
            conn: ConnId::new(conn),
            ..self.seat.clone()
        }
    }
}

fn names(members: &[super::Member]) -> Vec<&str> {
    members.iter().map(|m| m.name.as_str()).collect()
}

/// A fresh room with Ada and then Bob seated in it.
async fn room_of_two(store: &dyn RoomStore) -> (RoomId, Guest, Guest) {
    let id = fresh_room();
    store.create_room(&id).await.unwrap();
    let (ada, bob) = (guest("Ada"), guest("Bob"));
    store.take_seat(&id, ada.seat.clone()).await.unwrap();
    store.take_seat(&id, bob.seat.clone()).await.unwrap();
    (id, ada, bob)
}

pub async fn creating_twice_hands_out_the_empty_room(store: Arc<dyn RoomStore>) {
    let id = fresh_room();
    assert_eq!(store.create_room(&id).await.unwrap(), (Created::New, 2));
    assert_eq!(store.create_room(&id).await.unwrap(), (Created::ExistingEmpty, 2));
    let ada = guest("Ada");
    store.take_seat(&id, ada.seat.clone()).await.unwrap();
    assert_eq!(store.create_room(&id).await, Err(StoreError::RoomTaken));
}

pub async fn unknown_rooms_do_not_exist(store: Arc<dyn RoomStore>) {
    let id = fresh_room();
    assert_eq!(store.room(&id).await.unwrap(), None);
    assert_eq!(
        store.take_seat(&id, guest("Ada").seat).await.unwrap_err(),
        StoreError::NoSuchRoom
    );
}

pub async fn seats_fill_in_join_order_up_to_capacity(store: Arc<dyn RoomStore>) {
    let id = fresh_room();
    store.create_room(&id).await.unwrap();
    let (ada, bob, eve) = (guest("Ada"), guest("Bob"), guest("Eve"));
    let first = store.take_seat(&id, ada.seat.clone()).await.unwrap();
    assert!(!first.arrived_later());
    assert!(first.others().is_empty());
    let second = store.take_seat(&id, bob.seat.clone()).await.unwrap();
    assert!(second.arrived_later());
    assert_eq!(second.others().len(), 1);
    assert_eq!(&second.others()[0].peer_id, ada.peer());
    assert_eq!(
        store.take_seat(&id, eve.seat.clone()).await.unwrap_err(),
        StoreError::Full { max_users: 2 }
    );
    let view = store.room(&id).await.unwrap().unwrap();
    assert_eq!(names(&view.members), ["Ada", "Bob"]);
    assert_eq!(view.max_users, 2);
}

pub async fn racing_joins_never_exceed_capacity(store: Arc<dyn RoomStore>) {
    let id = fresh_room();
    store.create_room(&id).await.unwrap();
    let joins = (0..40).map(|i| {
        let store = Arc::clone(&store);
        let id = id.clone();
        tokio::spawn(async move { store.take_seat(&id, guest(&format!("p{i}")).seat).await })
    });
    let mut seated = 0;
    for join in joins {
        match join.await.unwrap() {
            Ok(_) => seated += 1,
            Err(e) => assert_eq!(e, StoreError::Full { max_users: 2 }),
        }
    }
    assert_eq!(seated, 2);
    assert_eq!(store.room(&id).await.unwrap().unwrap().members.len(), 2);
}

pub async fn leaving_frees_the_seat_and_keeps_the_room(store: Arc<dyn RoomStore>) {
    let (id, ada, bob) = room_of_two(&*store).await;
    assert_eq!(
        store.leave(&id, ada.peer(), bob.conn()).await.unwrap_err(),
        StoreError::NotSeated,
        "only the holder's connection can give the seat up"
    );
    let vacated = store.leave(&id, ada.peer(), ada.conn()).await.unwrap();
    assert_eq!(&vacated.member.peer_id, ada.peer());
    assert_eq!(vacated.members.len(), 1);
    assert_eq!(
        store.leave(&id, ada.peer(), ada.conn()).await.unwrap_err(),
        StoreError::NotSeated
    );
    store.leave(&id, bob.peer(), bob.conn()).await.unwrap();
    assert_eq!(store.room(&id).await.unwrap().unwrap().members, []);
    assert_eq!(store.create_room(&id).await.unwrap().0, Created::ExistingEmpty);
}

pub async fn routes_stay_inside_the_room(store: Arc<dyn RoomStore>) {
    let (one, two) = (fresh_room(), fresh_room());
    store.create_room(&one).await.unwrap();
    store.create_room(&two).await.unwrap();
    let (ada, bob, eve) = (guest("Ada"), guest("Bob"), guest("Eve"));
    store.take_seat(&one, ada.seat.clone()).await.unwrap();
    store.take_seat(&one, bob.seat.clone()).await.unwrap();
    store.take_seat(&two, eve.seat.clone()).await.unwrap();

    let route = store
        .route(&one, ada.peer(), ada.conn(), Some(bob.peer()))
        .await
        .unwrap();
    let bob_now = Recipient {
        peer_id: bob.peer().clone(),
        conn: Some(bob.conn().clone()),
        // Which server holds Bob's connection is the store's to say, if any.
        server: route.recipients[0].server.clone(),
    };
    let route = store
        .route(&one, ada.peer(), ada.conn(), Some(bob.peer()))
        .await
        .unwrap();
    assert_eq!(&route.sender.peer_id, ada.peer());
    assert_eq!(route.recipients, std::slice::from_ref(&bob_now));
    let route = store.route(&one, ada.peer(), ada.conn(), None).await.unwrap();
    assert_eq!(route.recipients, [bob_now]);

    let err = store.route(&one, ada.peer(), ada.conn(), Some(eve.peer())).await;
    assert_eq!(err.unwrap_err(), StoreError::NoSuchPeer, "a peer of another room");
    let err = store.route(&one, ada.peer(), ada.conn(), Some(ada.peer())).await;
    assert_eq!(err.unwrap_err(), StoreError::NoSuchPeer, "oneself");
    let err = store
        .route(&one, ada.peer(), ada.conn(), Some(&PeerId::from_client("nobody")))
        .await;
    assert_eq!(err.unwrap_err(), StoreError::NoSuchPeer);
    let err = store.route(&one, ada.peer(), eve.conn(), None).await;
    assert_eq!(
        err.unwrap_err(),
        StoreError::NotSeated,
        "a connection not holding the seat"
    );
    let err = store.route(&two, ada.peer(), ada.conn(), None).await;
    assert_eq!(
        err.unwrap_err(),
        StoreError::NotSeated,
        "a room the sender is not in"
    );

    store.detach(&one, bob.peer(), bob.conn()).await.unwrap();
    let route = store.route(&one, ada.peer(), ada.conn(), None).await.unwrap();
    assert_eq!(
        route.recipients[0].conn, None,
        "a dropped peer has no connection to deliver to"
    );
}

pub async fn a_dropped_seat_is_kept_for_the_grace(store: Arc<dyn RoomStore>) {
    let (id, ada, _bob) = room_of_two(&*store).await;
    store.detach(&id, ada.peer(), ada.conn()).await.unwrap();
    assert_eq!(store.room(&id).await.unwrap().unwrap().members.len(), 2);
    assert!(store.expire().await.unwrap().is_empty());

    let back = store.return_seat(&id, ada.returning("ada-again")).await.unwrap();
    assert_eq!(&back.member.peer_id, ada.peer());
    assert_eq!(back.replaced_conn, None);
    assert!(!back.newly_seated, "the seat was still held: nobody is told");
    assert!(!back.arrived_later(), "keeps its place in join order");
    assert_eq!(back.members.len(), 2);
    store
        .route(&id, ada.peer(), &ConnId::new("ada-again"), None)
        .await
        .unwrap();

    wait_past(RULES.reconnect_grace).await;
    assert!(
        store.expire().await.unwrap().is_empty(),
        "a retaken seat does not expire"
    );
}

pub async fn a_seat_is_freed_when_the_grace_runs_out(store: Arc<dyn RoomStore>) {
    let (id, ada, bob) = room_of_two(&*store).await;
    store.detach(&id, ada.peer(), ada.conn()).await.unwrap();
    wait_past(RULES.reconnect_grace).await;
    let vacated = store.expire().await.unwrap();
    let vacated: Vec<_> = vacated.into_iter().filter(|v| v.room_id == id).collect();
    assert_eq!(vacated.len(), 1);
    assert_eq!(&vacated[0].member.peer_id, ada.peer());
    assert_eq!(vacated[0].members.len(), 1);
    assert!(
        store.expire().await.unwrap().iter().all(|v| v.room_id != id),
        "freed once"
    );

    let late = store.return_seat(&id, ada.returning("late")).await.unwrap();
    assert!(late.newly_seated, "the seat was free: the room must be told");
    assert_eq!(names(&late.members), ["Ada", "Bob"], "back in its place");
    assert!(!late.arrived_later());
    store
        .route(&id, bob.peer(), bob.conn(), Some(ada.peer()))
        .await
        .unwrap();
}

pub async fn a_freed_seat_comes_back_only_if_there_is_room(store: Arc<dyn RoomStore>) {
    let (id, ada, _bob) = room_of_two(&*store).await;
    store.detach(&id, ada.peer(), ada.conn()).await.unwrap();
    wait_past(RULES.reconnect_grace).await;
    store.expire().await.unwrap();
    store.take_seat(&id, guest("Eve").seat).await.unwrap();
    assert_eq!(
        store.return_seat(&id, ada.returning("late")).await.unwrap_err(),
        StoreError::Full { max_users: 2 }
    );
}

pub async fn a_forgotten_room_is_made_again_in_join_order(store: Arc<dyn RoomStore>) {
    let id = fresh_room();
    let (ada, bob) = (guest("Ada"), guest("Bob"));
    // Bob's page reconnects first, though Ada joined first.
    let bob_back = store.return_seat(&id, bob.returning("bob-2")).await.unwrap();
    assert!(bob_back.newly_seated);
    assert_eq!(names(&bob_back.members), ["Bob"]);
    let ada_back = store.return_seat(&id, ada.returning("ada-2")).await.unwrap();
    assert_eq!(names(&ada_back.members), ["Ada", "Bob"]);
    assert!(!ada_back.arrived_later(), "Ada is still the first to have come");
    assert_eq!(store.room(&id).await.unwrap().unwrap().max_users, 2);
    store
        .route(&id, ada.peer(), &ConnId::new("ada-2"), Some(bob.peer()))
        .await
        .unwrap();
    assert_eq!(store.create_room(&id).await.unwrap_err(), StoreError::RoomTaken);
}

pub async fn rejoin_takes_over_a_seat_still_attached(store: Arc<dyn RoomStore>) {
    let (id, ada, _bob) = room_of_two(&*store).await;
    let new_conn = ConnId::new("ada-new");
    let back = store.return_seat(&id, ada.returning("ada-new")).await.unwrap();
    assert_eq!(back.replaced_conn.as_ref(), Some(ada.conn()));
    assert!(!back.newly_seated);
    let old = store.route(&id, ada.peer(), ada.conn(), None).await;
    assert_eq!(old.unwrap_err(), StoreError::NotSeated);
    assert_eq!(
        store.leave(&id, ada.peer(), ada.conn()).await.unwrap_err(),
        StoreError::NotSeated
    );
    store.detach(&id, ada.peer(), ada.conn()).await.unwrap();
    wait_past(RULES.reconnect_grace).await;
    assert!(
        store.expire().await.unwrap().iter().all(|v| v.room_id != id),
        "the old connection dropping does not touch the seat"
    );
    store.route(&id, ada.peer(), &new_conn, None).await.unwrap();
}

pub async fn a_seat_given_up_cannot_be_taken_back(store: Arc<dyn RoomStore>) {
    let (id, ada, bob) = room_of_two(&*store).await;
    store.leave(&id, ada.peer(), ada.conn()).await.unwrap();
    assert_eq!(
        store.return_seat(&id, ada.returning("again")).await.unwrap_err(),
        StoreError::HungUp
    );
    store.leave(&id, bob.peer(), bob.conn()).await.unwrap();
    assert_eq!(
        store.return_seat(&id, bob.returning("again")).await.unwrap_err(),
        StoreError::HungUp,
        "also from an empty room"
    );
    assert_eq!(store.room(&id).await.unwrap().unwrap().members, []);
}

pub async fn empty_rooms_expire_after_their_time_to_live(store: Arc<dyn RoomStore>) {
    let (never_used, left, busy) = (fresh_room(), fresh_room(), fresh_room());
    for id in [&never_used, &left, &busy] {
        store.create_room(id).await.unwrap();
    }
    let (ada, bob) = (guest("Ada"), guest("Bob"));
    store.take_seat(&left, ada.seat.clone()).await.unwrap();
    store.take_seat(&busy, bob.seat.clone()).await.unwrap();
    tokio::time::sleep(RULES.room_ttl / 2).await;
    store.leave(&left, ada.peer(), ada.conn()).await.unwrap();
    tokio::time::sleep(RULES.room_ttl / 2 + Duration::from_millis(200)).await;
    store.expire().await.unwrap();
    assert_eq!(
        store.room(&never_used).await.unwrap(),
        None,
        "empty since creation"
    );
    assert!(
        store.room(&left).await.unwrap().is_some(),
        "its time-to-live runs from when it emptied"
    );
    wait_past(RULES.room_ttl / 2).await;
    store.expire().await.unwrap();
    assert_eq!(store.room(&left).await.unwrap(), None);
    assert!(
        store.room(&busy).await.unwrap().is_some(),
        "a room with people never expires"
    );
    assert_eq!(store.create_room(&never_used).await.unwrap().0, Created::New);
}

pub async fn stats_count_rooms_and_seats(store: Arc<dyn RoomStore>) {
    let before = store.stats().await.unwrap();
    let id = fresh_room();
    store.create_room(&id).await.unwrap();
    let ada = guest("Ada");
    store.take_seat(&id, ada.seat.clone()).await.unwrap();
    let after = store.stats().await.unwrap();
    assert_eq!(after.rooms, before.rooms + 1);
    assert_eq!(after.peers, before.peers + 1);
    store.leave(&id, ada.peer(), ada.conn()).await.unwrap();
    assert_eq!(store.stats().await.unwrap().peers, before.peers);
}

/// A store made for one test, and whatever must live as long as it (a
/// Redis server, say).
pub struct Made {
    pub store: Arc<dyn RoomStore>,
    pub keep: Box<dyn std::any::Any + Send>,
}

/// Runs every test above against the store `$make` builds from the rules
/// (a `Made`); `$($attr)*` is the test attribute (paused time or not).
#[macro_export]
#[doc(hidden)]
macro_rules! room_store_contract {
    (#[$attr:meta] $make:expr) => {
        $crate::room_store_contract!(@each #[$attr] $make;
            creating_twice_hands_out_the_empty_room,
            unknown_rooms_do_not_exist,
            seats_fill_in_join_order_up_to_capacity,
            racing_joins_never_exceed_capacity,
            leaving_frees_the_seat_and_keeps_the_room,
            routes_stay_inside_the_room,
            a_dropped_seat_is_kept_for_the_grace,
            a_seat_is_freed_when_the_grace_runs_out,
            a_freed_seat_comes_back_only_if_there_is_room,
            a_forgotten_room_is_made_again_in_join_order,
            rejoin_takes_over_a_seat_still_attached,
            a_seat_given_up_cannot_be_taken_back,
            empty_rooms_expire_after_their_time_to_live,
            stats_count_rooms_and_seats,
        );
    };
    (@each #[$attr:meta] $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $name() {
                let made: $crate::store::contract::Made = ($make)($crate::store::contract::RULES).await;
                $crate::store::contract::$name(made.store).await;
                drop(made.keep);
            }
        )*
    };
}
