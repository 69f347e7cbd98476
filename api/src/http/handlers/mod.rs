pub mod api_keys;
pub mod auth;
pub mod me;
pub mod ops;
pub mod organizations;
