pub mod api_keys;
pub mod auth;
pub mod billing;
pub mod interviews;
pub mod me;
pub mod ops;
pub mod organizations;
pub mod tracks;
