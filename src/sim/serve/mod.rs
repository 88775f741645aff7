//! Ray Serve: the controller, proxies (with their routers) and replicas.

pub mod controller;
pub mod index;
pub mod placement;
pub mod proxy;
pub mod replica;
pub mod router;
pub mod routing_table;
