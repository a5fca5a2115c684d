//! Decoding CRIU images: the framing and the protobuf messages.

pub mod checkpoint;
pub mod image;
pub mod proto;
