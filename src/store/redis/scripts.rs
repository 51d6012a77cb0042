//! The Lua scripts that change rooms, each one atomic step on one room's
//! hash, with the shared helpers of `prelude.lua` in front of it.

use redis::Script;

const PRELUDE: &str = include_str!("prelude.lua");

pub struct Scripts {
    pub create: Script,
    pub take: Script,
    /// `rejoin`: takes a seat back (`return` is a keyword here).
    pub give_back: Script,
    pub leave: Script,
    pub detach: Script,
    pub expire: Script,
    /// On the deadlines: removes a hint unless it was renewed meanwhile.
    pub unhint: Script,
}

impl Scripts {
    pub fn new() -> Self {
        let on_room = |body: &str| Script::new(&format!("{PRELUDE}\n{body}"));
        Self {
            create: on_room(include_str!("create.lua")),
            take: on_room(include_str!("take.lua")),
            give_back: on_room(include_str!("return.lua")),
            leave: on_room(include_str!("leave.lua")),
            detach: on_room(include_str!("detach.lua")),
            expire: on_room(include_str!("expire.lua")),
            unhint: Script::new(include_str!("unhint.lua")),
        }
    }
}
