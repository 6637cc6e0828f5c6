//! The relay's in-process tests: a real relay router on a real socket, in front of a recording
//! upstream stub, driven by a raw HTTP/1.1 client.

mod assets;
mod bypass;
mod common;
mod connections;
mod demo;
mod forward;
mod leak;
mod projection;
mod session;
