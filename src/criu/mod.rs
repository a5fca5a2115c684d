//! Decoding CRIU images: the framing and the protobuf messages.

pub mod checkpoint;
pub mod collect;
pub mod files;
pub mod image;
pub mod memory;
pub mod processes;
pub mod proto;
pub mod sockets;
