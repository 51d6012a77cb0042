//! Servers sharing rooms.
