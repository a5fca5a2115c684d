//! Decoding CRIU images: the framing and the protobuf messages.

pub mod checkpoint;
pub mod collect;
pub mod image;
pub mod memory;
pub mod processes;
pub mod proto;
